// The explorer's saved operations against the live schema: each must validate, and its default variables
// must fit their declared types, so a schema change that breaks an example fails here, not in a sales demo.
import { getVariableValues, Kind, parse, validate, type OperationDefinitionNode } from 'graphql';
import { buildAppSchema } from '../src/app/schema';
import { monthFrom, savedOperations } from '../src/explorer/saved-operations';

const context = { today: new Date(Date.UTC(2027, 10, 15)), organizationId: '00000000-0000-4000-8000-000000000000' };

describe('explorer saved operations', () => {
  it('start with "Browse published offerings" and document themselves in a leading comment', () => {
    expect(savedOperations[0].title).toBe('Browse published offerings');
    for (const op of savedOperations) expect(op.query.startsWith(`# ${op.title}\n#\n# `)).toBe(true);
  });

  it.each(savedOperations.map((op) => [op.title, op] as const))(
    '"%s" is valid against the schema',
    async (_title, op) => {
      const schema = await buildAppSchema();
      const document = parse(op.query);
      const operations = document.definitions.filter(
        (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
      );
      expect(validate(schema, document).map((e) => e.message)).toEqual([]);
      const variables = op.variables(context);
      const declared = new Set(
        operations.flatMap((o) => (o.variableDefinitions ?? []).map((v) => v.variable.name.value)),
      );
      expect(Object.keys(variables).filter((name) => !declared.has(name))).toEqual([]);
      for (const o of operations) {
        const coerced = getVariableValues(schema, o.variableDefinitions ?? [], variables);
        expect('errors' in coerced ? coerced.errors?.map((e) => e.message) : []).toEqual([]);
      }
    },
  );

  it('count months in UTC', () => {
    expect(monthFrom(new Date(Date.UTC(2027, 10, 30, 23)), 0)).toBe('2027-11');
    expect(monthFrom(new Date(Date.UTC(2027, 10, 1)), 2)).toBe('2028-01');
    expect(monthFrom(new Date(Date.UTC(2027, 0, 1)), 11)).toBe('2027-12');
  });
});
