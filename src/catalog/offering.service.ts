// Offerings: visibility (published to all, the rest to their provider), validation, lifecycle.
import type { EntityManager, FilterQuery } from '@mikro-orm/postgresql';
import { Offering, OFFERING_TRANSITIONS, OfferingStatus } from './offering.entity';
import type { CreateOfferingInput, OfferingFilter, PricingInput, UpdateOfferingInput } from './offering.types';
import { Organization } from '../organizations/organization.entity';
import type { Context } from '../access/context';
import type { Viewer } from '../access/viewer';
import { assertAdminOf } from '../access/viewer';
import { canReadOffering } from '../access/visibility';
import type { Page } from '../shared/connection';
import { findPage, publicOrOwn } from '../db/read-model';
import { idempotent } from '../shared/idempotency';
import { badInput, notFound, refuse, UserErrorCode } from '../shared/errors';
import { isUuid } from '../shared/ids';
import { hasAtMostPlaces, Money } from '../shared/money';
import { InputChecks, uniq } from '../shared/validation';
import { ehrPlatform, isLanguage, overlappingRegions, region, serviceCategory } from '../reference/reference.service';
import { diff, recordAudit } from '../audit/audit.service';

/** Whether `viewer` may see `offering` at all: published ones are public, the rest belong to their provider. */
export const canSeeOffering: (viewer: Viewer, o: Pick<Offering, 'status' | 'providerId'>) => boolean = canReadOffering;

export async function findOffering(ctx: Context, id: string): Promise<Offering | null> {
  if (!isUuid(id)) return null;
  const o = await ctx.loaders.offeringById.load(id);
  return o && canSeeOffering(ctx.viewer, o) ? o : null;
}

export async function listOfferings(ctx: Context, filter: OfferingFilter | undefined, page: Page) {
  const viewer = ctx.viewer;
  // SQL-side form of `canSeeOffering`.
  const and: FilterQuery<Offering>[] = viewer.isOperator
    ? []
    : [
        publicOrOwn<Offering>(filter?.status ?? undefined, OfferingStatus.PUBLISHED, {
          providerId: { $in: viewer.sellerIds },
        }),
      ];
  if (filter?.categoryCode) and.push({ categoryCode: filter.categoryCode });
  if (filter?.ehrPlatformCode) and.push({ ehrPlatformCodes: { $contains: [filter.ehrPlatformCode] } });
  if (filter?.regionCode) {
    if (!region(filter.regionCode))
      throw badInput(`Unknown region code ${JSON.stringify(filter.regionCode)}.`, 'filter.regionCode');
    and.push({ regionCodes: { $overlap: overlappingRegions(filter.regionCode) } });
  }
  if (filter?.providerId) and.push({ providerId: isUuid(filter.providerId) ? filter.providerId : null });
  if (filter?.status) and.push({ status: filter.status });
  return findPage(ctx.em, Offering, and.length ? { $and: and } : {}, { title: 'asc', id: 'asc' }, page);
}

const snapshot = (o: Offering) => ({
  title: o.title,
  description: o.description,
  status: o.status,
  ehrPlatformCodes: o.ehrPlatformCodes,
  regionCodes: o.regionCodes,
  pricing: o.pricing,
  slaTargets: o.slaTargets,
  coverageHours: o.coverageHours,
  languages: o.languages,
  certifications: o.certifications,
  gateReportCount: o.gateReportCount,
  terminationNoticeMonths: o.terminationNoticeMonths,
});

function checkPricing(checks: InputChecks, p: PricingInput) {
  checks
    .check(hasAtMostPlaces(p.setupFee, 2), 'input.pricing.setupFee', 'setupFee has at most 2 decimal places.')
    .check(
      hasAtMostPlaces(p.monthlyMinimum, 2),
      'input.pricing.monthlyMinimum',
      'monthlyMinimum has at most 2 decimal places.',
    )
    .check(
      new Money(p.unitPrice).gt(0) || p.tiers.length > 0,
      'input.pricing.unitPrice',
      'unitPrice must be greater than 0.',
    );
  p.tiers.forEach((t, i) => {
    checks.check(
      i === 0 || t.fromUnits > p.tiers[i - 1].fromUnits,
      `input.pricing.tiers.${i}.fromUnits`,
      'Tiers must be in strictly ascending fromUnits.',
    );
  });
}

function checkOfferingInput(input: Partial<CreateOfferingInput>) {
  const checks = new InputChecks()
    .check(input.title == null || input.title.trim().length > 0, 'input.title', 'title must not be empty.')
    .known(
      input.categoryCode != null ? [input.categoryCode] : [],
      'input.categoryCode',
      serviceCategory,
      'service category',
    )
    .known(input.ehrPlatformCodes, 'input.ehrPlatformCodes', ehrPlatform, 'EHR platform')
    .known(input.regionCodes, 'input.regionCodes', region, 'region')
    .known(input.languages, 'input.languages', isLanguage, 'ISO 639-1 language');
  if (input.pricing) checkPricing(checks, input.pricing);
  const metrics = (input.slaTargets ?? []).map((t) => t.metric);
  checks.check(uniq(metrics).length === metrics.length, 'input.slaTargets', 'Each SLA metric may appear once.');
  checks.done();
}

function applyPricing(o: Offering, p: PricingInput) {
  o.currency = p.currency;
  o.unitPrice = p.unitPrice;
  o.setupFee = p.setupFee;
  o.monthlyMinimum = p.monthlyMinimum;
  o.priceTiers = p.tiers.map((t) => ({ fromUnits: t.fromUnits, unitPrice: t.unitPrice }));
}

export async function createOffering(ctx: Context, input: CreateOfferingInput): Promise<Offering> {
  const viewer = ctx.viewer;
  const providerId = input.providerId ?? viewer.organizationId;
  if (!providerId) throw badInput('providerId is required for operator keys.', 'input.providerId');
  assertAdminOf(viewer, providerId);
  checkOfferingInput(input);
  return ctx.em.transactional((em) =>
    idempotent(
      ctx,
      em,
      'createOffering',
      input,
      async () => {
        if (!(isUuid(providerId) && (await em.findOne(Organization, providerId)))) throw notFound('Organization');
        const o = new Offering({
          providerId,
          categoryCode: input.categoryCode,
          title: input.title.trim(),
          unitPrice: input.pricing.unitPrice,
        });
        o.description = input.description?.trim() || null;
        o.ehrPlatformCodes = uniq(input.ehrPlatformCodes);
        o.regionCodes = uniq(input.regionCodes);
        applyPricing(o, input.pricing);
        o.slaTargets = input.slaTargets.map((t) => ({
          metric: t.metric,
          target: t.target,
          unit: t.unit,
          direction: t.direction,
        }));
        o.coverageHours = input.coverageHours ?? null;
        o.languages = uniq(input.languages);
        o.certifications = uniq(input.certifications);
        o.gateReportCount = input.gateReportCount;
        o.terminationNoticeMonths = input.terminationNoticeMonths ?? 1;
        em.persist(o);
        recordAudit(ctx, em, {
          action: 'offering.created',
          entityType: 'Offering',
          entityId: o.id,
          partyIds: [providerId],
          after: snapshot(o),
        });
        return { result: o, saved: { id: o.id } };
      },
      ({ id }) => em.findOneOrFail(Offering, id),
    ),
  );
}

/** Loads an offering its provider (or the operator) may change; anything else reads as not found. */
async function ownOffering(ctx: Context, em: EntityManager, id: string): Promise<Offering> {
  const o = isUuid(id) ? await em.findOne(Offering, id) : null;
  if (!o || !canSeeOffering(ctx.viewer, o)) throw notFound('Offering');
  assertAdminOf(ctx.viewer, o.providerId);
  return o;
}

export async function updateOffering(ctx: Context, input: UpdateOfferingInput): Promise<Offering> {
  checkOfferingInput(input);
  return ctx.em.transactional(async (em) => {
    const o = await ownOffering(ctx, em, input.id);
    const before = snapshot(o);
    if (input.title != null) o.title = input.title.trim();
    if (input.description !== undefined) o.description = input.description?.trim() || null;
    if (input.ehrPlatformCodes) o.ehrPlatformCodes = uniq(input.ehrPlatformCodes);
    if (input.regionCodes) o.regionCodes = uniq(input.regionCodes);
    if (input.pricing) applyPricing(o, input.pricing);
    if (input.slaTargets)
      o.slaTargets = input.slaTargets.map((t) => ({
        metric: t.metric,
        target: t.target,
        unit: t.unit,
        direction: t.direction,
      }));
    if (input.coverageHours !== undefined) o.coverageHours = input.coverageHours;
    if (input.languages) o.languages = uniq(input.languages);
    if (input.certifications) o.certifications = uniq(input.certifications);
    if (input.gateReportCount) o.gateReportCount = input.gateReportCount;
    if (input.terminationNoticeMonths !== undefined && input.terminationNoticeMonths !== null)
      o.terminationNoticeMonths = input.terminationNoticeMonths;
    recordAudit(ctx, em, {
      action: 'offering.updated',
      entityType: 'Offering',
      entityId: o.id,
      partyIds: [o.providerId],
      ...diff(before, snapshot(o)),
    });
    return o;
  });
}

export async function transitionOffering(ctx: Context, id: string, to: OfferingStatus): Promise<Offering> {
  return ctx.em.transactional(async (em) => {
    const o = await ownOffering(ctx, em, id);
    const from = o.status;
    if (!OFFERING_TRANSITIONS[from].includes(to)) {
      refuse(UserErrorCode.INVALID_TRANSITION, `An offering in status ${from} cannot become ${to}.`, 'input.id');
    }
    o.status = to;
    recordAudit(ctx, em, {
      action: to === OfferingStatus.PUBLISHED ? 'offering.published' : 'offering.paused',
      entityType: 'Offering',
      entityId: o.id,
      partyIds: [o.providerId],
      before: { status: from },
      after: { status: to },
    });
    return o;
  });
}
