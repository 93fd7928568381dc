// Engagements: BAA gating, task boundaries, monthly performance, phase gates and termination.
import type { EntityManager, FilterQuery } from '@mikro-orm/postgresql';
import { Engagement, ENGAGEMENT_TRANSITIONS, EngagementStatus, PHASE_ORDER } from './engagement.entity';
import { PerformanceReport } from './performance-report.entity';
import type { EngagementFilter, RecordPerformanceInput, SetTaskBoundariesInput, SignBaaInput, TerminateEngagementInput } from './engagement.types';
import { evaluate, gateMiss } from './phase-gate';
import { EngagementPhase } from '../capacity/engagement-phase';
import { Offering } from '../catalog/offering.entity';
import { Need, NeedStatus } from '../needs/need.entity';
import type { Context } from '../shared/context';
import { assertAdminOf, assertBuyerSide, type Viewer } from '../auth/viewer';
import { canReadDeal } from '../auth/visibility';
import type { Page } from '../shared/connection';
import { findPage } from '../shared/read-model';
import { forbidden, notFound, refuse, UserErrorCode } from '../shared/errors';
import { isUuid } from '../shared/ids';
import { addMonths, currentMonth } from '../shared/month';
import { InputChecks } from '../shared/validation';
import { idempotent } from '../shared/idempotency';
import { lockEngagement } from '../db/locks';
import { commitPhase, releaseEngagementFrom } from '../capacity/ledger';
import { recordAudit } from '../audit/audit.service';
import { Role } from '../auth/api-key.entity';

/** See auth/visibility.ts. */
export const canSeeEngagement: (viewer: Viewer, e: Pick<Engagement, 'providerId' | 'buyerId'>) => boolean = canReadDeal;

export async function findEngagement(ctx: Context, id: string): Promise<Engagement | null> {
  const e = isUuid(id) ? await ctx.loaders.engagementById.load(id) : null;
  return e && canSeeEngagement(ctx.viewer!, e) ? e : null;
}

export async function listEngagements(ctx: Context, filter: EngagementFilter | undefined, page: Page) {
  const viewer = ctx.viewer!;
  const and: FilterQuery<Engagement>[] = viewer.isOperator ? [] : [{ $or: [{ providerId: { $in: viewer.sellerIds } }, { buyerId: { $in: viewer.partyIds } }] }];
  if (filter?.status) and.push({ status: filter.status });
  if (filter?.providerId) and.push({ providerId: isUuid(filter.providerId) ? filter.providerId : null });
  if (filter?.buyerId) and.push({ buyerId: isUuid(filter.buyerId) ? filter.buyerId : null });
  return findPage(ctx.em, Engagement, and.length ? { $and: and } : {}, { createdAt: 'desc', id: 'asc' }, page);
}

type Side = 'provider' | 'buyer' | 'either';

/** Loads and locks an engagement for an action by `side`; anything not visible reads as not found. */
async function engagementFor(ctx: Context, em: EntityManager, id: string, side: Side): Promise<Engagement> {
  const viewer = ctx.viewer!;
  const e = isUuid(id) ? await em.findOne(Engagement, id) : null;
  if (!e || !canSeeEngagement(viewer, e)) throw notFound('Engagement');
  if (side === 'provider') assertAdminOf(viewer, e.providerId);
  else if (side === 'buyer') assertBuyerSide(viewer, e.buyerId);
  else if (!viewer.isOperator && viewer.role === Role.SALES) throw forbidden('SALES keys are read-only.');
  else if (!viewer.isOperator && viewer.role === Role.INTEGRATION && !viewer.partyIds.includes(e.buyerId)) throw forbidden();
  // Locked only once the caller is known to be a party (outsiders cannot hold the row), then re-read.
  await lockEngagement(em, e.id);
  await em.refresh(e);
  return e;
}

const audit = (ctx: Context, em: EntityManager, e: Engagement, action: string, before: unknown, after: unknown) =>
  recordAudit(ctx, em, { action, entityType: 'Engagement', entityId: e.id, partyIds: [e.providerId, e.buyerId], buyerIds: [e.buyerId], before, after });

function assertStatus(e: Engagement, allowed: EngagementStatus[]) {
  if (e.status === EngagementStatus.PENDING_BAA && !allowed.includes(e.status)) {
    refuse(UserErrorCode.BAA_REQUIRED, 'The business associate agreement must be signed first (signBaa).', 'input.engagementId');
  }
  if (!allowed.includes(e.status)) refuse(UserErrorCode.INVALID_TRANSITION, `The engagement is ${e.status}.`, 'input.engagementId');
}

export async function signBaa(ctx: Context, input: SignBaaInput): Promise<Engagement> {
  return ctx.em.transactional(async (em) => {
    const e = await engagementFor(ctx, em, input.engagementId, 'either');
    if (e.baaSignedAt) refuse(UserErrorCode.INVALID_TRANSITION, 'The BAA is already signed.', 'input.engagementId');
    if (![EngagementStatus.PENDING_BAA, EngagementStatus.ACTIVE].includes(e.status)) refuse(UserErrorCode.INVALID_TRANSITION, `The engagement is ${e.status}.`, 'input.engagementId');
    const signedAt = input.signedAt ?? new Date();
    if (signedAt.getTime() > Date.now() + 60_000) refuse(UserErrorCode.VALIDATION, 'signedAt cannot be in the future.', 'input.signedAt');
    const before = { status: e.status, baaSignedAt: null };
    e.baaSignedAt = signedAt;
    if (e.status === EngagementStatus.PENDING_BAA) e.status = EngagementStatus.ACTIVE;
    audit(ctx, em, e, 'engagement.baaSigned', before, { status: e.status, baaSignedAt: signedAt });
    return e;
  });
}

export async function setTaskBoundaries(ctx: Context, input: SetTaskBoundariesInput): Promise<Engagement> {
  const checks = new InputChecks();
  const seen = new Set<string>();
  input.tasks.forEach((t, i) => {
    const key = t.task.trim().toLowerCase();
    checks.check(key.length > 0, `input.tasks.${i}.task`, 'task must not be empty.');
    checks.check(!seen.has(key), `input.tasks.${i}.task`, `"${t.task.trim()}" is listed twice; each task has exactly one owner.`);
    seen.add(key);
  });
  checks.done();
  return ctx.em.transactional(async (em) => {
    const e = await engagementFor(ctx, em, input.engagementId, 'either');
    assertStatus(e, [EngagementStatus.PENDING_BAA, EngagementStatus.ACTIVE]);
    const before = { taskBoundaries: e.taskBoundaries, escalationContact: e.escalationContact };
    e.taskBoundaries = input.tasks.map((t) => ({ task: t.task.trim(), owner: t.owner }));
    if (input.escalationContact !== undefined) e.escalationContact = input.escalationContact?.trim() || null;
    audit(ctx, em, e, 'engagement.tasksSet', before, { taskBoundaries: e.taskBoundaries, escalationContact: e.escalationContact });
    return e;
  });
}

export async function recordPerformance(ctx: Context, input: RecordPerformanceInput): Promise<Engagement> {
  return ctx.em.transactional((em) =>
    idempotent(
      ctx,
      em,
      'recordPerformance',
      input,
      async () => {
        const e = await engagementFor(ctx, em, input.engagementId, 'provider');
        assertStatus(e, [EngagementStatus.ACTIVE]);
        const offering = await em.findOneOrFail(Offering, e.offeringId);
        const values = new Map(input.metrics.map((m) => [m.metric, m.value]));
        const checks = new InputChecks()
          .check(input.month >= e.startMonth && input.month <= e.endMonth, 'input.month', `month must be within the engagement (${e.startMonth} to ${e.endMonth}).`)
          .check(input.month <= currentMonth(), 'input.month', 'Months after the current one cannot be reported yet.')
          .check(values.size === input.metrics.length, 'input.metrics', 'Each metric may appear once.');
        for (const m of input.metrics) checks.check(offering.slaTargets.some((t) => t.metric === m.metric), 'input.metrics', `${m.metric} is not an SLA target of this offering.`);
        for (const t of offering.slaTargets) checks.check(values.has(t.metric), 'input.metrics', `A value for ${t.metric} is required.`);
        checks.done();
        const result = evaluate(offering.slaTargets, values);
        const existing = await em.findOne(PerformanceReport, { engagementId: e.id, monthDate: `${input.month}-01` });
        const report = existing ?? Object.assign(new PerformanceReport(), { engagementId: e.id, monthDate: `${input.month}-01` });
        const before = existing ? { deliveredUnits: existing.deliveredUnits, metrics: existing.metrics } : null;
        Object.assign(report, { phase: e.phase, deliveredUnits: input.deliveredUnits, metrics: result.metrics, attainment: result.attainment.toFixed(4), allTargetsMet: result.allMet });
        em.persist(report);
        audit(ctx, em, e, 'engagement.performanceRecorded', before, { month: input.month, deliveredUnits: input.deliveredUnits, attainment: result.attainment, allTargetsMet: result.allMet });
        return { result: e, saved: { engagementId: e.id } };
      },
      ({ engagementId }) => em.findOneOrFail(Engagement, engagementId),
    ),
  );
}

/** The next phase the schedule has after the current one (a ramp may skip EXPANSION). */
function nextPhase(e: Engagement): EngagementPhase | null {
  const present = new Set(e.schedule.map((l) => l.phase));
  return PHASE_ORDER.slice(PHASE_ORDER.indexOf(e.phase) + 1).find((p) => present.has(p)) ?? null;
}

export async function advanceEngagementPhase(ctx: Context, engagementId: string): Promise<Engagement> {
  return ctx.em.transactional(async (em) => {
    const e = await engagementFor(ctx, em, engagementId, 'buyer');
    assertStatus(e, [EngagementStatus.ACTIVE]);
    const next = nextPhase(e);
    if (!next) refuse(UserErrorCode.INVALID_TRANSITION, `${e.phase} is the last phase of this engagement.`, 'input.engagementId');
    const offering = await em.findOneOrFail(Offering, e.offeringId);
    const reports = await em.find(PerformanceReport, { engagementId: e.id, phase: e.phase }, { orderBy: { monthDate: 'desc' }, limit: offering.gateReportCount });
    const miss = gateMiss(e.phase, reports.map((r) => ({ month: r.month, metrics: r.metrics })), offering.gateReportCount);
    if (miss) refuse(UserErrorCode.GATE_NOT_MET, miss.message, 'input.engagementId', { metric: miss.metric, month: miss.month });
    const from = e.phase;
    await commitPhase(em, e.id, next!);
    e.phase = next!;
    e.phaseEnteredAt = new Date();
    e.phaseHistory = [...e.phaseHistory, { from, to: next!, at: e.phaseEnteredAt, apiKeyId: ctx.viewer!.apiKeyId }];
    audit(ctx, em, e, 'engagement.phaseAdvanced', { phase: from }, { phase: e.phase });
    return e;
  });
}

export async function terminateEngagement(ctx: Context, input: TerminateEngagementInput): Promise<Engagement> {
  return ctx.em.transactional(async (em) => {
    const e = await engagementFor(ctx, em, input.engagementId, 'either');
    if (!ENGAGEMENT_TRANSITIONS[e.status].includes(EngagementStatus.TERMINATED)) refuse(UserErrorCode.INVALID_TRANSITION, `The engagement is ${e.status}.`, 'input.engagementId');
    if (input.effectiveMonth < currentMonth()) refuse(UserErrorCode.VALIDATION, `effectiveMonth must be ${currentMonth()} or later.`, 'input.effectiveMonth');
    const before = { status: e.status };
    await releaseEngagementFrom(em, e.id, input.effectiveMonth);
    e.status = EngagementStatus.TERMINATED;
    e.terminatedAt = new Date();
    e.terminationReason = input.reason.trim();
    const last = input.effectiveMonth <= e.startMonth ? null : input.effectiveMonth > e.endMonth ? e.endMonth : addMonths(input.effectiveMonth, -1);
    e.serviceEndDate = last ? `${last}-01` : null;
    audit(ctx, em, e, 'engagement.terminated', before, { status: e.status, effectiveMonth: input.effectiveMonth, reason: e.terminationReason });
    return e;
  });
}


/**
 * Sweeper step: engagements whose last month has passed are COMPLETED and their needs CLOSED; one
 * still waiting for its BAA by then never started, so it is TERMINATED and its reservations released.
 */
export async function completeEndedEngagements(em: EntityManager): Promise<void> {
  const ended = await em.find(Engagement, { status: { $in: [EngagementStatus.ACTIVE, EngagementStatus.PENDING_BAA] }, endDate: { $lt: `${currentMonth()}-01` } }, { limit: 500 });
  const system = { viewer: null, requestId: 'hold-sweeper' };
  for (const e of ended) {
    const before = { status: e.status };
    if (e.status === EngagementStatus.ACTIVE) {
      e.status = EngagementStatus.COMPLETED;
      await em.nativeUpdate(Need, { id: e.needId, status: NeedStatus.AWARDED }, { status: NeedStatus.CLOSED });
    } else {
      await releaseEngagementFrom(em, e.id, e.startMonth);
      e.status = EngagementStatus.TERMINATED;
      e.terminatedAt = new Date();
      e.terminationReason = 'The BAA was never signed before the last month of the engagement.';
    }
    recordAudit(system, em, { action: `engagement.${e.status === EngagementStatus.COMPLETED ? 'completed' : 'terminated'}`, entityType: 'Engagement', entityId: e.id, partyIds: [e.providerId, e.buyerId], buyerIds: [e.buyerId], before, after: { status: e.status } });
  }
}
