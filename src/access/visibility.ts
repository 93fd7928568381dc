// The visibility policy: who may read what, written once. Queries, lists, counts, live subscriptions,
// webhook fan-out and the audit trail all ask this module; docs/hardening.md shows it as a table and
// test/tenancy-matrix.test.ts checks the API against that table for every kind of reader.
//
// A reader is the operator, or an organization acting through one of its keys. An organization
// reads its own objects on both sides (selling and buying). A network also reads its members'
// buying side (their needs, and their quotes and engagements as buyer), never their selling side
// (offerings, capacity books, phase policy, quotes as provider), nor anything of organizations that
// are not its members. Every key of an organization reads the same (SALES keys only cannot write).
// Something not readable reads exactly like something that does not exist. Lists and counts filter
// in SQL with `buyingSideIds` / `sellingSideIds` the same way the `canRead*` functions decide per row.
import type { FilterQuery } from '@mikro-orm/postgresql';

/** Who is reading: the operator, or an organization and the organizations it buys for (a network's members). */
export interface Reader {
  readonly isOperator: boolean;
  /** Null for the operator. */
  readonly organizationId: string | null;
  /** For a network: its member organizations (it reads and acts on their buying side). */
  readonly memberIds: readonly string[];
}

/** The organization itself (its selling side and everything private to it). */
export const readsOwn = (r: Reader, orgId: string | null | undefined): boolean =>
  r.isOperator || (!!orgId && orgId === r.organizationId);

/** The buying side of an organization: itself, and the network it is a member of. */
export const readsBuyingSide = (r: Reader, orgId: string | null | undefined): boolean =>
  readsOwn(r, orgId) || (!!orgId && r.memberIds.includes(orgId));

/** Organizations whose buying side the reader reads (not for the operator, who reads all). */
export const buyingSideIds = (r: Reader): string[] => (r.organizationId ? [r.organizationId, ...r.memberIds] : []);

/** Organizations whose selling side the reader reads: its own only. */
export const sellingSideIds = (r: Reader): string[] => (r.organizationId ? [r.organizationId] : []);

// ---- Needs -------------------------------------------------------------------------------------
/** An OPEN need is public (its public fields); any other need is read by its buyer side only. */
export const canReadNeed = (r: Reader, n: { status: string; buyerId: string }) =>
  n.status === 'OPEN' || readsBuyingSide(r, n.buyerId);
/** `maxUnitPrice` and `notes` (and the buyer's relationship facts in matches): buyer side only. */
export const readsNeedPrivateFields = (r: Reader, n: { buyerId: string }) => readsBuyingSide(r, n.buyerId);
export const NEED_PRIVATE_FIELDS = ['maxUnitPrice', 'notes'] as const;

// ---- Offerings, capacity, phase policy --------------------------------------------------------
/** A PUBLISHED offering is public; drafts and paused ones are read by their provider only. */
export const canReadOffering = (r: Reader, o: { status: string; providerId: string }) =>
  o.status === 'PUBLISHED' || readsOwn(r, o.providerId);
/** The capacity book (every CapacityMonth field) is the provider's; others read `month` and `availableUnits` only. */
export const readsCapacityBook = (r: Reader, providerId: string) => readsOwn(r, providerId);
export const CAPACITY_PUBLIC_FIELDS = ['month', 'availableUnits'] as const;
/** `Organization.phasePolicy` (phases, caps, pending change): the organization itself. */
export const readsPhasePolicy = (r: Reader, orgId: string) => readsOwn(r, orgId);

// ---- Quotes and engagements -------------------------------------------------------------------
/** Quotes and engagements: their provider (own side) and their buyer's buying side; never a competitor. */
export const canReadDeal = (r: Reader, d: { providerId: string; buyerId: string }) =>
  readsOwn(r, d.providerId) || readsBuyingSide(r, d.buyerId);

// ---- Business views (src/insights) -------------------------------------------------------------
/** A provider's pipeline, booked revenue, utilization and servable demand: its selling side, so the organization itself. */
export const readsProviderViews = (r: Reader, providerId: string) => readsOwn(r, providerId);
/** A buyer's vendor portfolio: its buying side (a network reads its members'). Scorecards follow their engagement (`canReadDeal`). */
export const readsBuyerViews = (r: Reader, buyerId: string) => readsBuyingSide(r, buyerId);

// ---- Refusals ----------------------------------------------------------------------------------
/**
 * A refusal caused by a provider's limits (phase slots, capacity) tells the provider itself (and the
 * operator) the details, and anyone else only that the provider has no room: not its phase, caps or book.
 */
export const providerLimitMessage = (r: Reader, providerId: string, details: string) =>
  readsOwn(r, providerId) ? details : 'The provider has no room for this engagement now.';

// ---- API keys and webhooks -------------------------------------------------------------------
/** An organization's API keys: its own ADMIN keys and the operator (never a network for its members). */
export const readsKeysOf = (r: Reader & { role: string }, orgId: string | null) =>
  r.isOperator || (r.role === 'ADMIN' && !!orgId && orgId === r.organizationId);

/** An organization's webhooks (and their deliveries): its own ADMIN and INTEGRATION keys and the operator. */
export const managesWebhooksOf = (r: Reader & { role: string }, orgId: string) =>
  r.isOperator || ((r.role === 'ADMIN' || r.role === 'INTEGRATION') && orgId === r.organizationId);

// ---- Events (the audit trail, subscriptions, webhooks, the event feed) ------------------------
/**
 * Each event names its parties and which of them act as buyer in it: a need's buyer, a quote's or an
 * engagement's buyer. The others (a provider; the owner of an offering, a capacity book, a phase
 * policy, a key, a webhook, an organization record) read it as their own. An event is read by the
 * operator, by each party, and by the network of a buying party: exactly who can read the object.
 * Its `changes` hold only fields every such reader may read on the object itself.
 */
export interface EventParties {
  partyIds: string[];
  buyerIds: string[];
}

export const canReadEvent = (r: Reader, e: EventParties): boolean =>
  r.isOperator ||
  (!!r.organizationId && e.partyIds.includes(r.organizationId)) ||
  e.buyerIds.some((id) => r.memberIds.includes(id));

/**
 * SQL-side `canReadEvent` for the audit trail and event feeds (null: no restriction). The overlap on
 * `partyIds` (GIN index) narrows the rows; the `$or` keeps a network to its members' buying side.
 */
export function eventScope<T extends EventParties & { entityType: string }>(
  r: Reader & { role: string },
): FilterQuery<T> | null {
  if (r.isOperator) return null;
  const own = sellingSideIds(r);
  const parties = r.memberIds.length
    ? {
        partyIds: { $overlap: buyingSideIds(r) },
        $or: [{ partyIds: { $overlap: own } }, { buyerIds: { $overlap: [...r.memberIds] } }],
      }
    : { partyIds: { $overlap: own } };
  // Events about API keys and webhooks are read as the objects are (readsKeysOf, managesWebhooksOf):
  // by the organization's own keys of those roles, never by a network for its members.
  const org = r.organizationId ? [r.organizationId] : [];
  const objects = [
    { entityType: { $nin: ['ApiKey', 'Webhook'] } },
    ...(org.length && readsKeysOf(r, r.organizationId) ? [{ entityType: 'ApiKey', partyIds: { $overlap: org } }] : []),
    ...(org.length && managesWebhooksOf(r, org[0]) ? [{ entityType: 'Webhook', partyIds: { $overlap: org } }] : []),
  ];
  return { $and: [parties, { $or: objects }] } as unknown as FilterQuery<T>;
}

/**
 * SQL: the organizations that may read the audit event `alias` (an `audit_event` row): its parties and
 * the networks of its buying parties. Webhook fan-out delivers an event to these organizations' webhooks.
 */
export const eventAudienceSql = (alias: string) =>
  `(${alias}.party_ids || array(select o.network_id from organization o where o.id = any(${alias}.buyer_ids) and o.network_id is not null))`;

/** The audience of an event as a reader-independent rule, for code that holds the organizations: `canReadEvent` of an organization. */
export const organizationReader = (organizationId: string, memberIds: readonly string[]): Reader => ({
  isOperator: false,
  organizationId,
  memberIds,
});

/**
 * New demand: an OPEN need is public (`canReadNeed`), so its `need.created` event also goes, with the
 * need's private fields removed, to webhooks that subscribe to demand in its category and region.
 * SQL: whether `need.created` event `a` is demand that webhook `w` subscribed to.
 */
export const demandMatchSql = (a: string, w: string) =>
  `(${a}.action = 'need.created' and ${w}.demand_category_codes is not null
    and (cardinality(${w}.demand_category_codes) = 0 or ${a}.changes->'after'->>'categoryCode' = any(${w}.demand_category_codes))
    and (cardinality(${w}.demand_need_region_codes) = 0 or ${a}.changes->'after'->>'regionCode' = any(${w}.demand_need_region_codes)))`;

/**
 * SQL: webhook `w` may be sent event `a` now (at fan-out, and again at every attempt, retries and
 * redeliveries included): its organization is in the event's audience, or it subscribed to demand the
 * event matches and the need is still OPEN (public), as a subscriber must find it.
 */
export const webhookMayReceiveSql = (a: string, w: string) =>
  `(${w}.organization_id = any${eventAudienceSql(a)}
    or (${demandMatchSql(a, w)} and exists (select 1 from need n where n.id = ${a}.entity_id and n.status = 'OPEN')))`;

/** SQL: the `changes` of event `a` as organization `org` may read them: in full in its audience, else (demand) without the need's private fields. */
export const changesForSql = (a: string, org: string) =>
  `case when ${org} = any${eventAudienceSql(a)} then ${a}.changes
        else jsonb_build_object('before', null, 'after', (${a}.changes->'after') - array[${NEED_PRIVATE_FIELDS.map((f) => `'${f}'`).join(',')}]::text[]) end`;
