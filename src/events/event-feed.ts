// The pull API: `events(after:, types:)` reads the committed, ordered event stream the dispatcher
// reads (event-dispatcher.ts) with the visibility of webhooks (access/visibility.ts), for integrations
// that cannot receive webhooks. Keyset paging on the stream's own order (tx, at, id), below the oldest
// transaction still running: an event can never appear behind a cursor already handed out. At least
// once: a client that loses its cursor reads events again; receivers deduplicate on `id`.
import { Args, ArgsType, Authorized, Ctx, Field, ID, Int, ObjectType, Query, Resolver } from 'type-graphql';
import type { Context } from '../access/context';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PageInfo } from '../shared/connection';
import { badInput } from '../shared/errors';
import { DateTimeScalar, JSONScalar } from '../shared/scalars';
import { isUuid } from '../shared/ids';
import { WEBHOOK_EVENT_PATTERNS, WEBHOOK_EVENT_TYPES } from './event-catalog';
import { eventAudienceSql } from '../access/visibility';

@ObjectType('ExchangeEvent', {
  simpleResolvers: true,
  description: 'One committed event, as webhooks deliver it (the same `id` in every channel).',
})
export class FeedEvent {
  @Field(() => ID, {
    description:
      'Event id: the audit event recording the change (the `webhook-id` of its webhook deliveries). Deduplicate on it.',
  })
  id!: string;

  @Field({ description: 'Event type, e.g. `quote.accepted` (see `webhookEventTypes`).' })
  type!: string;

  @Field(() => DateTimeScalar, { description: 'When it happened.' })
  occurredAt!: Date;

  @Field({ description: 'Type of the changed object, e.g. `Quote`.' })
  entityType!: string;

  @Field(() => ID, { description: 'Id of the changed object.' })
  entityId!: string;

  @Field(() => JSONScalar, {
    description: '`{ before, after }` snapshots of the changed fields (the webhook body’s `data`).',
  })
  data!: unknown;
}

@ObjectType({ simpleResolvers: true, description: 'An event and its position in the stream.' })
export class ExchangeEventEdge {
  @Field({ description: 'Position of this event: pass it as `after` to read what follows.' })
  cursor!: string;

  @Field(() => FeedEvent, { description: 'The event.' })
  node!: FeedEvent;
}

@ObjectType({ simpleResolvers: true, description: 'A page of the event stream, oldest first.' })
export class ExchangeEventConnection {
  @Field(() => [ExchangeEventEdge], { description: 'The events of this page, in stream order.' })
  edges!: ExchangeEventEdge[];

  @Field(() => PageInfo, {
    description:
      'Paging: `endCursor` is where to continue (null when the page is empty: keep your cursor and ask again later).',
  })
  pageInfo!: PageInfo;
}

@ArgsType()
class EventFeedArgs {
  @Field(() => String, {
    nullable: true,
    description:
      'Continue after this cursor (an edge’s `cursor` or `pageInfo.endCursor`); omitted, the stream starts at its beginning.',
  })
  after?: string | null;

  @Field(() => [String], {
    nullable: true,
    description: 'Only these event types, or `<object>.*` patterns (see `webhookEventTypes`); omitted means all.',
  })
  types?: string[] | null;

  @Field(() => Int, {
    nullable: true,
    description: `Page size: default ${DEFAULT_PAGE_SIZE}, at most ${MAX_PAGE_SIZE}.`,
  })
  first?: number | null;
}

interface Position {
  tx: string;
  atMicros: string;
  id: string;
}

/** Transaction id (xid8: fits in 19 digits for ages), microseconds since 1970 (16 digits: years 1653 to 2286, inside PostgreSQL's range), event id. */
const CURSOR = /^ev1:(\d{1,19})\.(-?\d{1,16})\.([0-9a-f-]{36})$/;
const encodeCursor = (p: Position) => Buffer.from(`ev1:${p.tx}.${p.atMicros}.${p.id}`).toString('base64url');

function decodeCursor(cursor: string): Position {
  const m = CURSOR.exec(Buffer.from(cursor, 'base64url').toString());
  if (!m || !isUuid(m[3])) throw badInput('after is not a valid events cursor.', 'after');
  return { tx: m[1], atMicros: m[2], id: m[3] };
}

/** Event types named by `types` (patterns expanded); every webhook event type when omitted. */
function typesOf(types: string[] | null | undefined): string[] {
  if (!types?.length) return Object.keys(WEBHOOK_EVENT_TYPES);
  if (types.length > 100) throw badInput('At most 100 types.', 'types');
  const out = new Set<string>();
  for (const t of types) {
    if (t in WEBHOOK_EVENT_TYPES) {
      out.add(t);
    } else if (WEBHOOK_EVENT_PATTERNS.includes(t)) {
      for (const name of Object.keys(WEBHOOK_EVENT_TYPES)) if (name.startsWith(t.slice(0, -1))) out.add(name);
    } else {
      throw badInput(`Unknown event type ${JSON.stringify(t).slice(0, 60)}; see webhookEventTypes.`, 'types');
    }
  }
  return [...out];
}

interface Row {
  id: string;
  action: string;
  at: Date | string;
  entity_type: string;
  entity_id: string;
  changes: unknown;
  tx: string;
  at_us: string;
}

export async function eventFeed(ctx: Context, args: EventFeedArgs) {
  const first = args.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE)
    throw badInput(`first must be between 0 and ${MAX_PAGE_SIZE}.`, 'first');
  const from = args.after ? decodeCursor(args.after) : null;
  const types = typesOf(args.types);
  const viewer = ctx.viewer;
  const params: unknown[] = [`{${types.join(',')}}`];
  let after = '';
  if (from) {
    after = `and (a.tx, a.at, a.id) > (?::xid8, timestamptz 'epoch' + ?::bigint * interval '1 microsecond', ?::uuid)`;
    params.push(from.tx, from.atMicros, from.id);
  }
  let visible = '';
  if (!viewer.isOperator) {
    visible = `and ?::uuid = any${eventAudienceSql('a')}`;
    params.push(viewer.organizationId);
  }
  params.push(first + 1);
  const rows = await ctx.em.getConnection().execute<Row[]>(
    `select a.id, a.action, a.at, a.entity_type, a.entity_id, a.changes, a.tx::text as tx, (extract(epoch from a.at) * 1000000)::bigint::text as at_us
       from audit_event a
      where a.tx < pg_snapshot_xmin(pg_current_snapshot())
        and a.action = any(?::text[]) ${after} ${visible}
      order by a.tx, a.at, a.id
      limit ?`,
    params,
  );
  const page = rows.slice(0, first);
  const edges = page.map((r) => ({
    cursor: encodeCursor({ tx: r.tx, atMicros: r.at_us, id: r.id }),
    node: {
      id: r.id,
      type: r.action,
      occurredAt: new Date(r.at),
      entityType: r.entity_type,
      entityId: r.entity_id,
      data: r.changes,
    },
  }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > first,
      hasPreviousPage: !!args.after,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}

@Resolver()
export class EventFeedResolver {
  @Authorized()
  @Query(() => ExchangeEventConnection, {
    description:
      'The committed event stream, oldest first, with the visibility of webhooks (your organization’s events and its network members’). Poll with the last `endCursor` as `after`; at least once: deduplicate on `id`.',
  })
  events(@Args() args: EventFeedArgs, @Ctx() ctx: Context) {
    return eventFeed(ctx, args);
  }
}
