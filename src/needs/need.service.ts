// Needs: buyers post what they need; open needs are visible to every organization.
import type { EntityManager, FilterQuery } from '@mikro-orm/postgresql';
import { Need, NeedStatus } from './need.entity';
import type { CancelNeedInput, CreateNeedInput, NeedFilter, UpdateNeedInput } from './need.types';
import type { Actor, Context } from '../access/context';
import { assertBuyerSide, type Viewer } from '../access/viewer';
import { canReadNeed } from '../access/visibility';
import type { Page } from '../shared/connection';
import { findPage, publicOrOwn } from '../db/read-model';
import { badInput, notFound, refuse, UserErrorCode } from '../shared/errors';
import { isUuid } from '../shared/ids';
import { currentMonth, monthsBetween } from '../shared/month';
import { InputChecks, uniq } from '../shared/validation';
import { idempotent } from '../shared/idempotency';
import { ehrPlatform, isLanguage, region, regionsOfNeedsIn, serviceCategory } from '../reference/reference.service';
import { auditEvent, diff, recordAudit } from '../audit/audit.service';
import { AuditEvent } from '../audit/audit-event.entity';
import { executeWith, insertRows } from '../db/write-model';
import { lockNeed } from '../db/locks';

/** Why a need's live quotes closed, as both parties read it in `Quote.closedReason`. */
export const QUOTES_CLOSED_BY_NEED = {
  cancelled: 'The buyer cancelled the need.',
  changed: (fields: string[]) =>
    `The buyer changed the need (${fields.join(', ')}) after this quote was issued; it no longer prices the need. Quote again.`,
} as const;

/** Closes every ISSUED quote of a need with `closedReason`, holds released, each provider told (call with the need locked). */
export type CloseQuotesOfNeed = (
  ctx: Actor,
  em: EntityManager,
  needId: string,
  closedReason: string,
) => Promise<unknown>;

let closeQuotesOfNeed: CloseQuotesOfNeed = () => {
  throw new Error('No CloseQuotesOfNeed registered: the wiring layer (app/context.ts) registers one.');
};

/**
 * Quotes sit above needs: changing or cancelling a need closes its quotes through the function the
 * wiring layer registers here (quotes/quote.ledger.ts's closeQuotesOfNeed).
 */
export function registerCloseQuotesOfNeed(close: CloseQuotesOfNeed): void {
  closeQuotesOfNeed = close;
}

/** See access/visibility.ts. */
export const canSeeNeed: (viewer: Viewer, n: Pick<Need, 'status' | 'buyerId'>) => boolean = canReadNeed;

const snapshot = (n: Need) => ({
  categoryCode: n.categoryCode,
  monthlyVolume: n.monthlyVolume,
  startMonth: n.startMonth,
  durationMonths: n.durationMonths,
  ehrPlatformCode: n.ehrPlatformCode,
  regionCode: n.regionCode,
  requiredCertifications: n.requiredCertifications,
  coverageHours: n.coverageHours,
  languages: n.languages,
  maxUnitPrice: n.maxUnitPrice,
  notes: n.notes,
  status: n.status,
});

/** Range and reference checks shared by needs and ad-hoc match searches. */
export function checkNeedFields(
  input: Partial<Pick<CreateNeedInput, 'categoryCode' | 'startMonth' | 'ehrPlatformCode' | 'regionCode' | 'languages'>>,
) {
  const now = currentMonth();
  new InputChecks()
    .known(
      input.categoryCode != null ? [input.categoryCode] : [],
      'input.categoryCode',
      serviceCategory,
      'service category',
    )
    .known(
      input.ehrPlatformCode != null ? [input.ehrPlatformCode] : [],
      'input.ehrPlatformCode',
      ehrPlatform,
      'EHR platform',
    )
    .known(input.regionCode != null ? [input.regionCode] : [], 'input.regionCode', region, 'region')
    .known(input.languages, 'input.languages', isLanguage, 'ISO 639-1 language')
    .check(!input.startMonth || input.startMonth >= now, 'input.startMonth', `startMonth must be ${now} or later.`)
    .check(
      !input.startMonth || monthsBetween(now, input.startMonth) <= 60,
      'input.startMonth',
      'startMonth is at most 60 months ahead.',
    )
    .done();
}

export async function findNeed(ctx: Context, id: string): Promise<Need | null> {
  const n = isUuid(id) ? await ctx.loaders.needById.load(id) : null;
  return n && canSeeNeed(ctx.viewer, n) ? n : null;
}

export async function listNeeds(ctx: Context, filter: NeedFilter | undefined, page: Page) {
  const viewer = ctx.viewer;
  const and: FilterQuery<Need>[] = [];
  if (!viewer.isOperator)
    and.push(publicOrOwn<Need>(filter?.status ?? undefined, NeedStatus.OPEN, { buyerId: { $in: viewer.partyIds } })); // SQL-side `canSeeNeed`
  if (filter?.status) and.push({ status: filter.status });
  if (filter?.categoryCode) and.push({ categoryCode: filter.categoryCode });
  if (filter?.buyerId) and.push({ buyerId: isUuid(filter.buyerId) ? filter.buyerId : null });
  if (filter?.regionCode) {
    const r = region(filter.regionCode);
    if (!r) throw badInput(`Unknown region code ${JSON.stringify(filter.regionCode)}.`, 'filter.regionCode');
    and.push({ regionCode: { $in: regionsOfNeedsIn(filter.regionCode) } });
  }
  return findPage(ctx.em, Need, and.length ? { $and: and } : {}, { createdAt: 'desc', id: 'asc' }, page);
}

/** The organization a need is posted for: the key's own for ADMIN keys, a member (or the network) for INTEGRATION keys. */
function buyerFor(viewer: Viewer, buyerId: string | null | undefined): string {
  const id = buyerId ?? viewer.organizationId;
  if (!id) throw badInput('buyerId is required for operator keys.', 'input.buyerId');
  assertBuyerSide(viewer, id);
  return id;
}

/**
 * Posting a need is one statement: the need and its audit event, inserted only if the buyer exists.
 * Atomic on its own; with an idempotency key it runs in a transaction with the key's bookkeeping.
 */
export async function createNeed(ctx: Context, input: CreateNeedInput): Promise<Need> {
  const buyerId = buyerFor(ctx.viewer, input.buyerId);
  checkNeedFields(input);
  const post = async (em: EntityManager) => {
    const n = new Need({ ...input, buyerId });
    n.requiredCertifications = uniq(input.requiredCertifications);
    n.coverageHours = input.coverageHours ?? null;
    n.languages = uniq(input.languages);
    n.maxUnitPrice = input.maxUnitPrice ?? null;
    n.notes = input.notes?.trim() || null;
    const audit = auditEvent(ctx, {
      action: 'need.created',
      entityType: 'Need',
      entityId: n.id,
      partyIds: [buyerId],
      buyerIds: [buyerId],
      after: snapshot(n),
    });
    const buyerExists = { sql: 'select 1 from organization where id = ?', params: [buyerId] };
    const inserted = isUuid(buyerId)
      ? await executeWith(
          em,
          [
            ['b', buyerExists],
            ['n', insertRows(em, Need, [n], 'id', 'exists (select 1 from b)')],
            ['a', insertRows(em, AuditEvent, [audit], '', 'exists (select 1 from n)')],
          ],
          { sql: 'select id from n', params: [] },
        )
      : [];
    if (!inserted.length) throw notFound('Organization');
    return { result: n, saved: { needId: n.id } };
  };
  if (!input.idempotencyKey) return (await post(ctx.em)).result;
  return ctx.em.transactional((em) =>
    idempotent(
      ctx,
      em,
      'createNeed',
      input,
      () => post(em),
      async ({ needId }) => em.findOneOrFail(Need, needId),
    ),
  );
}

/**
 * Loads a need the viewer may act on as its buyer (anything else reads as not found), then locks it
 * and reads it again: a change and an acceptance of one of its quotes are serialized on this lock.
 */
async function ownNeed(ctx: Context, em: EntityManager, id: string): Promise<Need> {
  const n = isUuid(id) ? await em.findOne(Need, id) : null;
  if (!n || !canSeeNeed(ctx.viewer, n)) throw notFound('Need');
  assertBuyerSide(ctx.viewer, n.buyerId);
  await lockNeed(em, n.id);
  await em.refresh(n);
  return n;
}

/** What a quote prices: changing any of these closes the need's live quotes. `notes` and `maxUnitPrice` do not. */
const PRICED_FIELDS = [
  'monthlyVolume',
  'startMonth',
  'durationMonths',
  'ehrPlatformCode',
  'regionCode',
  'requiredCertifications',
  'coverageHours',
  'languages',
] as const;

export async function updateNeed(ctx: Context, input: UpdateNeedInput): Promise<Need> {
  checkNeedFields(input);
  return ctx.em.transactional(async (em) => {
    const n = await ownNeed(ctx, em, input.id);
    if (n.status !== NeedStatus.OPEN)
      refuse(UserErrorCode.INVALID_TRANSITION, `A ${n.status} need cannot be changed.`, 'input.id');
    const before = snapshot(n);
    if (input.monthlyVolume != null) n.monthlyVolume = input.monthlyVolume;
    if (input.startMonth != null) n.startDate = `${input.startMonth}-01`;
    if (input.durationMonths != null) n.durationMonths = input.durationMonths;
    if (input.ehrPlatformCode != null) n.ehrPlatformCode = input.ehrPlatformCode;
    if (input.regionCode != null) n.regionCode = input.regionCode;
    if (input.requiredCertifications) n.requiredCertifications = uniq(input.requiredCertifications);
    if (input.coverageHours !== undefined) n.coverageHours = input.coverageHours;
    if (input.languages) n.languages = uniq(input.languages);
    if (input.maxUnitPrice !== undefined) n.maxUnitPrice = input.maxUnitPrice;
    if (input.notes !== undefined) n.notes = input.notes?.trim() || null;
    const changes = diff(before, snapshot(n));
    const priced = PRICED_FIELDS.filter((f) => f in changes.after);
    // Live quotes priced the old need: they close now (holds released, each provider told), in this transaction.
    if (priced.length) await closeQuotesOfNeed(ctx, em, n.id, QUOTES_CLOSED_BY_NEED.changed([...priced]));
    recordAudit(ctx, em, {
      action: 'need.updated',
      entityType: 'Need',
      entityId: n.id,
      partyIds: [n.buyerId],
      buyerIds: [n.buyerId],
      ...changes,
    });
    return n;
  });
}

export async function cancelNeed(ctx: Context, input: CancelNeedInput): Promise<Need> {
  return ctx.em.transactional(async (em) => {
    const n = await ownNeed(ctx, em, input.id);
    if (n.status !== NeedStatus.OPEN)
      refuse(UserErrorCode.INVALID_TRANSITION, `A ${n.status} need cannot be cancelled.`, 'input.id');
    n.status = NeedStatus.CANCELLED;
    await closeQuotesOfNeed(ctx, em, n.id, QUOTES_CLOSED_BY_NEED.cancelled);
    recordAudit(ctx, em, {
      action: 'need.cancelled',
      entityType: 'Need',
      entityId: n.id,
      partyIds: [n.buyerId],
      buyerIds: [n.buyerId],
      before: { status: NeedStatus.OPEN },
      after: { status: n.status },
    });
    return n;
  });
}
