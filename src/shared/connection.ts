// Relay connections: generic types, `first`/`after` arguments (default 20, max 100) and keyset cursors:
// a cursor holds its item's sort-key values, so the next page starts right after that item whatever
// was added or removed meanwhile (an offset would repeat or skip items).
import { ArgsType, ClassType, Field, Int, ObjectType } from 'type-graphql';
import { badInput } from './errors';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

@ObjectType({ simpleResolvers: true, description: 'Relay page information.' })
export class PageInfo {
  @Field({ description: 'Whether more items follow this page.' })
  hasNextPage!: boolean;

  @Field({ description: 'Whether items precede this page.' })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Cursor of the first item of the page.' })
  startCursor!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Cursor of the last item of the page; pass it as `after` for the next page.',
  })
  endCursor!: string | null;
}

@ArgsType()
export class PageArgs {
  @Field(() => Int, {
    nullable: true,
    description: `Page size: default ${DEFAULT_PAGE_SIZE}, at most ${MAX_PAGE_SIZE}.`,
  })
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'Return items after this cursor.' })
  after?: string | null;
}

export interface Page {
  limit: number;
  /** The sort-key values of the item the page starts after (a keyset cursor), if any. */
  after: string[] | null;
}

/** A cursor is the item's sort-key values (exact text, as PostgreSQL gives them), base64url JSON. */
export const encodeCursor = (values: readonly string[]) => Buffer.from(JSON.stringify(values)).toString('base64url');

const invalidCursor = () => badInput('after is not a valid cursor.', 'after');

/** Validates `first`/`after`. */
export function toPage(args: { first?: number | null; after?: string | null }): Page {
  const first = args.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw badInput(`first must be between 0 and ${MAX_PAGE_SIZE}.`, 'first');
  }
  if (!args.after) return { limit: first, after: null };
  if (args.after.length > 2000) throw invalidCursor();
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(args.after, 'base64url').toString());
  } catch {
    throw invalidCursor();
  }
  if (!Array.isArray(values) || values.length < 1 || values.length > 4 || !values.every((v) => typeof v === 'string'))
    throw invalidCursor();
  return { limit: first, after: values as string[] };
}

/** A sort key of a listing: a column expression and its direction. */
export interface SortKey {
  expr: string;
  desc: boolean;
}

/**
 * The SQL condition (`?` placeholders) selecting the items after `after` in the order `keys`: a row
 * comparison when every key has the same direction, otherwise its expansion. A cursor of another
 * listing (wrong number of values) is refused.
 */
export function keysetCondition(keys: readonly SortKey[], after: readonly string[]): { sql: string; params: string[] } {
  if (after.length !== keys.length) throw invalidCursor();
  if (keys.every((k) => k.desc === keys[0].desc)) {
    return {
      sql: `(${keys.map((k) => k.expr).join(', ')}) ${keys[0].desc ? '<' : '>'} (${keys.map(() => '?').join(', ')})`,
      params: [...after],
    };
  }
  const terms: string[] = [];
  const params: string[] = [];
  keys.forEach((k, i) => {
    const equal = keys.slice(0, i).map((e) => `${e.expr} = ?`);
    terms.push(`(${[...equal, `${k.expr} ${k.desc ? '<' : '>'} ?`].join(' and ')})`);
    params.push(...after.slice(0, i), after[i]);
  });
  return { sql: `(${terms.join(' or ')})`, params };
}

/** PostgreSQL refused a cursor value (not a date, a uuid...): the cursor was not one of ours. */
export function cursorValueRefused(err: unknown): never {
  const code = (err as { code?: string }).code;
  if (typeof code === 'string' && code.startsWith('22')) throw invalidCursor();
  throw err;
}

/** A page read with one row more than asked: the nodes, their cursors and whether more follow. */
export interface PageResult<T> {
  nodes: T[];
  cursors: string[];
  total: number;
  hasNextPage: boolean;
}

/** A page of nothing (a filter that can match nothing, a list the caller may not read). */
export const emptyPage = <T>(): PageResult<T> => ({ nodes: [], cursors: [], total: 0, hasNextPage: false });

export interface ConnectionShape<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: PageInfo;
  totalCount: number;
}

export function toConnection<T>(result: PageResult<T>, page: Page): ConnectionShape<T> {
  const edges = result.nodes.map((node, i) => ({ cursor: result.cursors[i], node }));
  return {
    edges,
    totalCount: result.total,
    pageInfo: {
      hasNextPage: result.hasNextPage,
      hasPreviousPage: page.after !== null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}

/** Builds `XConnection` and `XEdge` types for a node type. */
export function Connection<T extends object>(node: ClassType<T>, name = node.name) {
  @ObjectType(`${name}Edge`, { simpleResolvers: true, description: `An edge to a ${name}.` })
  class Edge {
    @Field({ description: 'Opaque cursor of this item.' })
    cursor!: string;

    @Field(() => node, { description: `The ${name}.` })
    node!: T;
  }

  @ObjectType(`${name}Connection`, { simpleResolvers: true, description: `A page of ${name} items.` })
  class ConnectionType implements ConnectionShape<T> {
    @Field(() => [Edge], { description: 'The items of this page.' })
    edges!: Edge[];

    @Field(() => PageInfo, { description: 'Paging information.' })
    pageInfo!: PageInfo;

    @Field(() => Int, { description: 'Number of items matching the filter, over all pages.' })
    totalCount!: number;
  }
  return ConnectionType;
}
