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

  it('parses as SDL', async () => {
    expect(() => parseSdl(readFileSync(path.join(__dirname, '../schema/schema.graphql'), 'utf8'))).not.toThrow();
  });
});
