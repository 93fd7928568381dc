// Which database a GraphQL operation reads from. The rule, in one place:
// - A query operation whose root fields are all lag-tolerant reads (LAG_TOLERANT_FIELDS: listings,
//   matching, offerings and organizations, capacity overviews, dashboards) reads from a healthy
//   replica (db/replicas.ts), decided once the operation is known and before any resolver runs.
// - Everything else reads the primary: mutations (every check that decides a write, the capacity
//   invariant included), subscriptions, authentication (it runs before the operation is known, so a
//   revoked key is refused at once), other queries, and anything in a transaction.
// - Read-your-writes: a mutation records, before its answer is sent, when it finished for its API key
//   (in the shared store, so every instance sees it). That key's query operations read from a replica
//   only once the replica has replayed a primary WAL position sampled after that time; until then,
//   the primary. Without the shared store's answer (Redis down) they read the primary.
// - A query operation that met its replica unreachable runs once more on the primary (a query writes
//   nothing): a replica lost mid-request costs no failed request.
import type { OperationDefinitionNode } from 'graphql';
import type { RequestContext } from '../access/context';
import { createLoaders } from './context';
import { requestScope } from '../shared/request-scope';
import { metrics } from '../shared/metrics';
import type { Replica } from '../db/replicas';

/** Root query fields that tolerate reading a replica up to REPLICA_MAX_LAG_MS behind. */
export const LAG_TOLERANT_FIELDS = new Set([
  '__typename',
  'matches',
  'matchOffers',
  'offering',
  'offerings',
  'organization',
  'organizations',
  'needs',
  'capacityOverview',
  'regions',
  'ehrPlatforms',
  'serviceCategories',
  // dashboards
  'pipeline',
  'bookedRevenue',
  'utilization',
  'servableDemand',
  'vendorPortfolio',
]);

const lastWriteKey = (namespace: string, apiKeyId: string) => `${namespace}:last-write:${apiKeyId}`;

/** The replica serving this request (for `rerunOnPrimary`), kept beside the request's scope. */
const replicaOfRequest = new WeakMap<object, Replica>();

const lagTolerant = (operation: OperationDefinitionNode) =>
  operation.operation === 'query' &&
  operation.selectionSet.selections.every((s) => s.kind === 'Field' && LAG_TOLERANT_FIELDS.has(s.name.value));

/** Points `ctx.em` at a replica when the operation may read one (see above). */
export async function routeReads(
  ctx: RequestContext,
  operation: OperationDefinitionNode,
  namespace: string,
): Promise<void> {
  const { replicas, store } = ctx.deps;
  const scope = requestScope.getStore();
  if (!replicas || operation.operation !== 'query') return;
  if (!lagTolerant(operation) || scope?.primaryOnly)
    return void metrics.readRouting.inc({ target: 'not_lag_tolerant' });
  let lastWriteAt: number | null = null;
  if (ctx.viewer) {
    try {
      const at = await store.get(lastWriteKey(namespace, ctx.viewer.apiKeyId));
      lastWriteAt = at === null ? null : Number(at);
    } catch {
      lastWriteAt = Number.POSITIVE_INFINITY; // cannot tell: the primary has it for sure
    }
  }
  const replica = replicas.pick(lastWriteAt);
  if (!replica)
    return void metrics.readRouting.inc({
      target: lastWriteAt !== null && replicas.pick(null) ? 'own_recent_write' : 'no_healthy_replica',
    });
  metrics.readRouting.inc({ target: 'replica' });
  if (scope) replicaOfRequest.set(scope, replica);
  const em = replica.orm.em.fork();
  ctx.em = em; // before any resolver runs
  ctx.loaders = createLoaders(em);
}

/** After a mutation: from now on this key reads the primary until a replica has replayed past this moment. */
export async function recordWrite(ctx: RequestContext, namespace: string): Promise<void> {
  if (!ctx.deps.replicas || !ctx.viewer) return;
  const ttlMs = ctx.deps.config.REPLICA_MAX_LAG_MS + 5000; // later, every replica in use holds the write anyway
  await ctx.deps.store
    .set(lastWriteKey(namespace, ctx.viewer.apiKeyId), String(Date.now()), ttlMs)
    .catch((err: unknown) => ctx.log.warn({ err }, 'could not record a write for read-your-writes'));
}

/**
 * After an answer of "database unavailable": true when the request read from a replica, which is then
 * taken out of use, and the request is to run once more, on the primary.
 */
export function rerunOnPrimary(ctx: { replicas?: { markUnreachable(r: Replica, err: unknown): void } }): boolean {
  const scope = requestScope.getStore();
  const replica = scope && replicaOfRequest.get(scope);
  if (!scope || !replica || scope.primaryOnly) return false;
  ctx.replicas?.markUnreachable(replica, new Error('a request found it unreachable'));
  replicaOfRequest.delete(scope);
  scope.primaryOnly = true;
  return true;
}
