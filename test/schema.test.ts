import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSchema as parseSdl, GraphQLNamedType, isObjectType, isInputObjectType, isInterfaceType } from 'graphql';
import { printAppSchema, buildAppSchema } from '../src/app/schema';

describe('schema contract', () => {
  it('matches the checked-in schema/schema.graphql (run `npm run schema:emit` after changing the API)', async () => {
    const checkedIn = readFileSync(path.join(__dirname, '../schema/schema.graphql'), 'utf8');
    expect(await printAppSchema()).toBe(checkedIn);
  });

  it('describes every type, field and argument', async () => {
    const schema = await buildAppSchema();
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap()) as GraphQLNamedType[]) {
      if (type.name.startsWith('__')) continue;
      if (!type.description) missing.push(type.name);
      if (isObjectType(type) || isInputObjectType(type) || isInterfaceType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) missing.push(`${type.name}.${field.name}`);
          // `input` arguments are described by their input type.
          const args = 'args' in field ? field.args : [];
          for (const arg of args)
            if (!arg.description && arg.name !== 'input') missing.push(`${type.name}.${field.name}(${arg.name})`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('matches the checked-in test/support/schema-types.ts (run `npm run codegen` after `npm run schema:emit`)', async () => {
    // The generator's own dry run (codegen.ts): exits non-zero and names the file when it is stale.
    const root = path.join(__dirname, '..');
    const bin = path.join(root, 'node_modules/@graphql-codegen/cli/esm/bin.js');
    const run = spawnSync(process.execPath, [bin, '--config', 'codegen.ts', '--check'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(run.stdout + run.stderr).not.toContain('stale');
    expect(run.status).toBe(0);
  });

  it('parses as SDL', async () => {
    expect(() => parseSdl(readFileSync(path.join(__dirname, '../schema/schema.graphql'), 'utf8'))).not.toThrow();
  });
});
