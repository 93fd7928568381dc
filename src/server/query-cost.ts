// Page-size aware cost of an operation: roughly how many objects it may resolve. A list's page size
// (`first`, from a literal, a variable or its default) multiplies the cost of everything inside it.
import {
  Kind,
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  isObjectType,
  isInterfaceType,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../shared/connection';

/** Assumed length of a list field that takes no `first` (schedules, tiers, capacity months...). */
const UNPAGED_LIST_SIZE = 5;
/** Longest month range a query may ask for (capacity.service checkRange). */
const MAX_RANGE_MONTHS = 72;

export interface CostInput {
  schema: GraphQLSchema;
  operation: OperationDefinitionNode;
  fragments: Record<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
}

export function operationCost({ schema, operation, fragments, variables }: CostInput): number {
  const root = schema.getRootType(operation.operation);
  if (!root) return 0;

  const pageSize = (
    field: GraphQLField<unknown, unknown>,
    args: readonly { name: { value: string }; value: ValueNode }[],
  ) => {
    const def = field.args.find((a) => a.name === 'first');
    if (!def) return undefined;
    const given = args.find((a) => a.name.value === 'first')?.value;
    let n: unknown = def.defaultValue ?? DEFAULT_PAGE_SIZE;
    if (given?.kind === Kind.INT) n = Number(given.value);
    else if (given?.kind === Kind.VARIABLE) {
      const name = given.name.value;
      const fallback = operation.variableDefinitions?.find((v) => v.variable.name.value === name)?.defaultValue;
      n = variables[name] ?? (fallback?.kind === Kind.INT ? Number(fallback.value) : n);
    }
    // Out-of-range values are refused by the resolver with a precise message; cost them at the cap.
    return typeof n === 'number' && Number.isFinite(n)
      ? Math.min(Math.max(Math.trunc(n), 0), MAX_PAGE_SIZE)
      : DEFAULT_PAGE_SIZE;
  };

  // A field over a month range (`capacity(from:, to:)`, `capacityOverview`) lists one item per month of the range.
  const monthCount = (
    field: GraphQLField<unknown, unknown>,
    args: readonly { name: { value: string }; value: ValueNode }[],
  ) => {
    if (!field.args.some((a) => a.name === 'from') || !field.args.some((a) => a.name === 'to')) return undefined;
    const month = (name: string) => {
      const v = args.find((a) => a.name.value === name)?.value;
      const given = v?.kind === Kind.STRING ? v.value : v?.kind === Kind.VARIABLE ? variables[v.name.value] : undefined;
      const m = typeof given === 'string' ? /^(\d{4})-(\d{2})$/.exec(given) : null;
      return m ? Number(m[1]) * 12 + Number(m[2]) : undefined;
    };
    const [from, to] = [month('from'), month('to')];
    return from !== undefined && to !== undefined && to >= from
      ? Math.min(to - from + 1, MAX_RANGE_MONTHS)
      : MAX_RANGE_MONTHS;
  };

  const costOf = (
    set: SelectionSetNode,
    type: GraphQLCompositeType,
    visiting: Set<string>,
    months?: number,
  ): number => {
    let total = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if (sel.name.value.startsWith('__')) continue; // introspection: bounded by MaxIntrospectionDepthRule
        if (!sel.selectionSet || !(isObjectType(type) || isInterfaceType(type))) continue; // leaves cost nothing
        const field = type.getFields()[sel.name.value];
        if (!field) continue;
        const inner = getNamedType(field.type);
        if (!isCompositeType(inner)) continue;
        const list = isListType(getNullableType(field.type));
        // `edges` of a connection is already counted by the connection's `first`.
        // A month range given here sizes this list, or the month lists just inside it (capacityOverview's `months`).
        const range = monthCount(field, sel.arguments ?? []);
        const unpaged =
          list && !(sel.name.value === 'edges' && type.name.endsWith('Connection'))
            ? (range ?? months ?? UNPAGED_LIST_SIZE)
            : 1;
        const multiplier = pageSize(field, sel.arguments ?? []) ?? unpaged;
        total += multiplier * (1 + costOf(sel.selectionSet, inner, visiting, range));
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const cond = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : type;
        total += costOf(sel.selectionSet, isCompositeType(cond) ? cond : type, visiting, months);
      } else {
        const name = sel.name.value;
        const fragment = fragments[name];
        if (!fragment || visiting.has(name)) continue;
        const cond = schema.getType(fragment.typeCondition.name.value);
        visiting.add(name);
        total += costOf(fragment.selectionSet, isCompositeType(cond) ? cond : type, visiting, months);
        visiting.delete(name);
      }
    }
    return total;
  };

  return costOf(operation.selectionSet, root, new Set());
}

/** Rate-limit points an operation consumes: one, or one per 100 of cost when that is more. */
export const costPoints = (cost: number) => Math.max(1, Math.ceil(cost / 100));
