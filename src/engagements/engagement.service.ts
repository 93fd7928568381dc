// Engagements: BAA gating, task boundaries, monthly performance, phase gates and termination.
import type { EntityManager, FilterQuery } from '@mikro-orm/postgresql';
import { LockMode } from '@mikro-orm/postgresql';
import { Engagement, ENGAGEMENT_TRANSITIONS, PartySide, PHASE_ORDER, TaskOwner } from './engagement.entity';
import { PerformanceReport } from './performance-report.entity';
import type {
  DisputePerformanceReportInput,
  EngagementFilter,
  RecordPerformanceInput,
  ResolvePerformanceDisputeInput,
  SetTaskBoundariesInput,
  SignBaaInput,
  TerminateEngagementInput,
} from './engagement.types';
import { evaluate, gateMiss, metricValueProblem } from './phase-gate';
import { EngagementPhase, EngagementStatus } from '../capacity/engagement-phase';
import { Quote } from '../quotes/quote.entity';
import { NeedStatus } from '../needs/need.entity';
import type { Context } from '../access/context';
import { assertAdminOf, assertBuyerSide, type Viewer } from '../access/viewer';
import { canReadDeal } from '../access/visibility';
import type { Page } from '../shared/connection';
import { findPage } from '../db/read-model';
import { forbidden, notFound, refuse, UserErrorCode } from '../shared/errors';
import { isUuid } from '../shared/ids';
import { addMonths, currentMonth } from '../shared/month';
import { InputChecks } from '../shared/validation';
import { idempotent } from '../shared/idempotency';
import { lockEngagement } from '../db/locks';
import { pgArray } from '../db/prepared';
import { commitPhase, releaseEngagementFrom } from '../capacity/ledger';
import { recordAudit } from '../audit/audit.service';
import { Role } from '../access/role';

/** See access/visibility.ts. */
export const canSeeEngagement: (viewer: Viewer, e: Pick<Engagement, 'providerId' | 'buyerId'>) => boolean = canReadDeal;

export async function findEngagement(ctx: Context, id: string): Promise<Engagement | null> {
  const e = isUuid(id) ? await ctx.loaders.engagementById.load(id) : null;
  return e && canSeeEngagement(ctx.viewer, e) ? e : null;
}

export async function listEngagements(ctx: Context, filter: EngagementFilter | undefined, page: Page) {
  const viewer = ctx.viewer;
  const and: FilterQuery<Engagement>[] = viewer.isOperator
    ? []
    : [{ $or: [{ providerId: { $in: viewer.sellerIds } }, { buyerId: { $in: viewer.partyIds } }] }];
  if (filter?.status) and.push({ status: filter.status });
  if (filter?.providerId) and.push({ providerId: isUuid(filter.providerId) ? filter.providerId : null });
  if (filter?.buyerId) and.push({ buyerId: isUuid(filter.buyerId) ? filter.buyerId : null });
  return findPage(ctx.em, Engagement, and.length ? { $and: and } : {}, { createdAt: 'desc', id: 'asc' }, page);
}

type Side = 'provider' | 'buyer' | 'either' | 'party';

/**
 * Which party of `e` the viewer acts for. The operator is not a party (it cannot sign a BAA or agree
 * task boundaries for either side); SALES keys are read-only.
 */
function sideOf(viewer: Viewer, e: Pick<Engagement, 'providerId' | 'buyerId'>): PartySide {
  if (viewer.isOperator)
    throw forbidden('The network operator is not a party to the engagement; each party acts with its own key.');
  if (viewer.role === Role.ADMIN && viewer.organizationId === e.providerId) return PartySide.PROVIDER;
  assertBuyerSide(viewer, e.buyerId);
  return PartySide.BUYER;
}

/** Loads and locks an engagement for an action by `side`; anything not visible reads as not found. */
async function engagementFor(ctx: Context, em: EntityManager, id: string, side: Side): Promise<Engagement> {
  const viewer = ctx.viewer;
  const e = isUuid(id) ? await em.findOne(Engagement, id) : null;
  if (!e || !canSeeEngagement(viewer, e)) throw notFound('Engagement');
  if (side === 'provider') assertAdminOf(viewer, e.providerId);
  else if (side === 'buyer') assertBuyerSide(viewer, e.buyerId);
  else if (side === 'party' || !viewer.isOperator) sideOf(viewer, e); // 'either': a party, or the operator
  // Locked only once the caller is known to be a party (outsiders cannot hold the row), then re-read.
  await lockEngagement(em, e.id);
  await em.refresh(e);
  return e;
}

const audit = (ctx: Context, em: EntityManager, e: Engagement, action: string, before: unknown, after: unknown) =>
  recordAudit(ctx, em, {
    action,
    entityType: 'Engagement',
    entityId: e.id,
    partyIds: [e.providerId, e.buyerId],
    buyerIds: [e.buyerId],
    before,
    after,
  });

function assertStatus(e: Engagement, allowed: EngagementStatus[]) {
  if (e.status === EngagementStatus.PENDING_BAA && !allowed.includes(e.status)) {
    refuse(
      UserErrorCode.BAA_REQUIRED,
      'The business associate agreement must be signed first (signBaa).',
      'input.engagementId',
    );
  }
  if (!allowed.includes(e.status))
    refuse(UserErrorCode.INVALID_TRANSITION, `The engagement is ${e.status}.`, 'input.engagementId');
}

export async function signBaa(ctx: Context, input: SignBaaInput): Promise<Engagement> {
  return ctx.em.transactional(async (em) => {
    const e = await engagementFor(ctx, em, input.engagementId, 'party');
    const side = sideOf(ctx.viewer, e);
    if (![EngagementStatus.PENDING_BAA, EngagementStatus.ACTIVE].includes(e.status))
      refuse(UserErrorCode.INVALID_TRANSITION, `The engagement is ${e.status}.`, 'input.engagementId');
    if (e.baaSignatures.some((x) => x.side === side))
      refuse(
        UserErrorCode.INVALID_TRANSITION,
        `The ${side.toLowerCase()} side has already signed the BAA.`,
        'input.engagementId',
      );
    const signedAt = input.signedAt ?? new Date();
    if (signedAt.getTime() > Date.now() + 60_000)
      refuse(UserErrorCode.VALIDATION, 'signedAt cannot be in the future.', 'input.signedAt');
    if (signedAt.getTime() < e.createdAt.getTime() - 60_000)
      refuse(
        UserErrorCode.VALIDATION,
        `signedAt cannot be before the engagement was agreed (${e.createdAt.toISOString()}).`,
        'input.signedAt',
      );
    const before = { status: e.status, baaSignedAt: e.baaSignedAt, signatures: e.baaSignatures.map((x) => x.side) };
    const organizationId = side === PartySide.PROVIDER ? e.providerId : e.buyerId;
    e.baaSignatures = [...e.baaSignatures, { side, organizationId, signedAt, apiKeyId: ctx.viewer.apiKeyId }];
    const inForce = e.baaSignatures.length === 2;
    if (inForce) {
      // In force from the later of the two signatures.
      e.baaSignedAt = new Date(Math.max(...e.baaSignatures.map((x) => new Date(x.signedAt).getTime())));
      if (e.status === EngagementStatus.PENDING_BAA) e.status = EngagementStatus.ACTIVE;
    }
    audit(ctx, em, e, 'engagement.baaSigned', before, {
      status: e.status,
      side,
      signedAt,
      inForce,
      baaSignedAt: e.baaSignedAt,
    });
    return e;
  });
}

export async function setTaskBoundaries(ctx: Context, input: SetTaskBoundariesInput): Promise<Engagement> {
  const checks = new InputChecks();
  const seen = new Set<string>();
  input.tasks.forEach((t, i) => {
    const key = t.task.trim().toLowerCase();
    checks.check(key.length > 0, `input.tasks.${i}.task`, 'task must not be empty.');
    checks.check(
      !seen.has(key),
      `input.tasks.${i}.task`,
      `"${t.task.trim()}" is listed twice; each task has exactly one owner.`,
    );
    seen.add(key);
  });
  checks.done();
  return ctx.em.transactional(async (em) => {
    const e = await engagementFor(ctx, em, input.engagementId, 'party');
    const side = sideOf(ctx.viewer, e);
    assertStatus(e, [EngagementStatus.PENDING_BAA, EngagementStatus.ACTIVE]);
    const tasks = input.tasks.map((t) => ({ task: t.task.trim(), owner: t.owner }));
    assertPilotTasks(e, tasks);
    const before = e.taskProposal;
    const escalationContact =
      input.escalationContact === undefined ? e.escalationContact : input.escalationContact?.trim() || null;
    e.taskProposal = {
      tasks,
      escalationContact,
      side,
      organizationId: side === PartySide.PROVIDER ? e.providerId : e.buyerId,
      proposedAt: new Date(),
      apiKeyId: ctx.viewer.apiKeyId,
    };
    audit(
      ctx,
      em,
      e,
      'engagement.tasksProposed',
      before && { proposedTaskBoundaries: before.tasks, side: before.side },
      { proposedTaskBoundaries: tasks, escalationContact, side },
    );
    return e;
  });
}

/** In PILOT the provider owns at most one task; later phases set no limit. */
function assertPilotTasks(e: Engagement, tasks: { owner: TaskOwner }[]) {
  const provider = tasks.filter((t) => t.owner === TaskOwner.PROVIDER).length;
  if (e.phase === EngagementPhase.PILOT && provider > 1) {
    refuse(
      UserErrorCode.VALIDATION,
      `In PILOT the provider owns at most one task; ${provider} are listed. More can be agreed once the engagement advances.`,
      'input.tasks',
    );
  }
}

export async function confirmTaskBoundaries(
  ctx: Context,
  engagementId: string,
  seenProposedAt: Date | null,
): Promise<Engagement> {
  return ctx.em.transactional(async (em) => {
    const e = await engagementFor(ctx, em, engagementId, 'party');
    const side = sideOf(ctx.viewer, e);
    assertStatus(e, [EngagementStatus.PENDING_BAA, EngagementStatus.ACTIVE]);
    const p = e.taskProposal;
    if (!p) refuse(UserErrorCode.INVALID_TRANSITION, 'No task boundaries are proposed.', 'input.engagementId');
    if (p!.side === side)
      refuse(
        UserErrorCode.INVALID_TRANSITION,
        'Your side proposed these task boundaries; the other party confirms them.',
        'input.engagementId',
      );
    if (seenProposedAt && new Date(p!.proposedAt).getTime() !== seenProposedAt.getTime()) {
      refuse(
        UserErrorCode.INVALID_TRANSITION,
        'The proposal was replaced after the one you read; read it again before confirming.',
        'input.proposedAt',
      );
    }
    assertPilotTasks(e, p!.tasks);
    const before = { taskBoundaries: e.taskBoundaries, escalationContact: e.escalationContact };
    e.taskBoundaries = p!.tasks;
    e.escalationContact = p!.escalationContact;
    e.taskProposal = null;
    audit(ctx, em, e, 'engagement.tasksSet', before, {
      taskBoundaries: e.taskBoundaries,
      escalationContact: e.escalationContact,
      proposedBy: p!.side,
      confirmedBy: side,
    });
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
        const { slaTargets } = await em.findOneOrFail(Quote, e.quoteId); // the agreed terms, not the offering's today
        const values = new Map(input.metrics.map((m) => [m.metric, m.value]));
        const line = e.schedule.find((l) => l.month === input.month);
        const checks = new InputChecks()
          .check(
            input.month >= e.startMonth && input.month <= e.endMonth,
            'input.month',
            `month must be within the engagement (${e.startMonth} to ${e.endMonth}).`,
          )
          .check(input.month <= currentMonth(), 'input.month', 'Months after the current one cannot be reported yet.')
          .check(values.size === input.metrics.length, 'input.metrics', 'Each metric may appear once.')
          .check(input.deliveredUnits >= 0, 'input.deliveredUnits', 'deliveredUnits is never negative.')
          .check(
            !line || input.deliveredUnits <= line.units,
            'input.deliveredUnits',
            `deliveredUnits cannot exceed the ${line?.units} units scheduled for ${input.month}.`,
          );
        input.metrics.forEach((m, i) => {
          const target = slaTargets.find((t) => t.metric === m.metric);
          checks.check(!!target, `input.metrics.${i}.metric`, `${m.metric} is not an SLA metric of this engagement.`);
          const problem = target ? metricValueProblem(target, m.value) : null;
          checks.check(!problem, `input.metrics.${i}.value`, problem ?? '');
        });
        for (const t of slaTargets)
          checks.check(values.has(t.metric), 'input.metrics', `A value for ${t.metric} is required.`);
        checks.done();
        const result = evaluate(slaTargets, values);
        const existing = await em.findOne(PerformanceReport, { engagementId: e.id, monthDate: `${input.month}-01` });
        const report =
          existing ??
          Object.assign(new PerformanceReport(), {
            engagementId: e.id,
            monthDate: `${input.month}-01`,
            phase: e.phase,
          });
        const before = existing
          ? { version: existing.version, deliveredUnits: existing.deliveredUnits, metrics: existing.metrics }
          : null;
        if (existing) {
          // Re-recording adds a version: the earlier one stays readable, the new one counts for the gate.
          report.earlierVersions = [
            ...existing.earlierVersions,
            {
              version: existing.version,
              deliveredUnits: existing.deliveredUnits,
              metrics: existing.metrics,
              attainment: Number(existing.attainment),
              allTargetsMet: existing.allTargetsMet,
              recordedAt: existing.updatedAt,
            },
          ];
          report.version = existing.version + 1;
        }
        Object.assign(report, {
          deliveredUnits: input.deliveredUnits,
          metrics: result.metrics,
          attainment: result.attainment.toFixed(4),
          allTargetsMet: result.allMet,
        });
        report.updatedAt = new Date();
        em.persist(report);
        audit(ctx, em, e, 'engagement.performanceRecorded', before, {
          month: input.month,
          version: report.version,
          deliveredUnits: input.deliveredUnits,
          attainment: result.attainment,
          allTargetsMet: result.allMet,
        });
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
    if (!next)
      refuse(
        UserErrorCode.INVALID_TRANSITION,
        `${e.phase} is the last phase of this engagement.`,
        'input.engagementId',
      );
    const { gateReportCount } = await em.findOneOrFail(Quote, e.quoteId); // the agreed gate
    const reports = await em.find(
      PerformanceReport,
      { engagementId: e.id, phase: e.phase },
      { orderBy: { monthDate: 'desc' }, limit: gateReportCount },
    );
    const miss = gateMiss(
      e.phase,
      reports.map((r) => ({ month: r.month, metrics: r.metrics, disputed: r.disputed })),
      gateReportCount,
    );
    if (miss)
      refuse(UserErrorCode.GATE_NOT_MET, miss.message, 'input.engagementId', {
        metric: miss.metric,
        month: miss.month,
      });
    const from = e.phase;
    await commitPhase(em, e.id, next!);
    e.phase = next!;
    e.phaseEnteredAt = new Date();
    e.phaseHistory = [...e.phaseHistory, { from, to: next!, at: e.phaseEnteredAt, apiKeyId: ctx.viewer.apiKeyId }];
    audit(ctx, em, e, 'engagement.phaseAdvanced', { phase: from }, { phase: e.phase });
    return e;
  });
}

export async function terminateEngagement(ctx: Context, input: TerminateEngagementInput): Promise<Engagement> {
  return ctx.em.transactional(async (em) => {
    const viewer = ctx.viewer;
    const e = await engagementFor(ctx, em, input.engagementId, 'either');
    if (!ENGAGEMENT_TRANSITIONS[e.status].includes(EngagementStatus.TERMINATED))
      refuse(UserErrorCode.INVALID_TRANSITION, `The engagement is ${e.status}.`, 'input.engagementId');
    const { terminationNoticeMonths: notice } = await em.findOneOrFail(Quote, e.quoteId);
    const now = currentMonth();
    const withNotice = addMonths(now, notice);
    let earliest = withNotice;
    if (input.forCause && input.effectiveMonth < withNotice) {
      // Sooner only for cause: the operator always; the buyer side when the provider's latest report
      // in the phase missed a target.
      const buyerSide = !viewer.isOperator && sideOf(viewer, e) === PartySide.BUYER;
      const [latest] = buyerSide
        ? await em.find(
            PerformanceReport,
            { engagementId: e.id, phase: e.phase },
            { orderBy: { monthDate: 'desc' }, limit: 1 },
          )
        : [];
      if (viewer.isOperator || (latest && !latest.allTargetsMet)) earliest = now;
      else {
        refuse(
          UserErrorCode.INVALID_TRANSITION,
          `forCause ends an engagement sooner only for the buyer side when the provider's latest report in ${e.phase} missed a target; without cause the earliest effectiveMonth is ${withNotice} (the agreed notice is ${notice} month(s)).`,
          'input.forCause',
        );
      }
    }
    if (input.effectiveMonth < earliest) {
      refuse(
        UserErrorCode.INVALID_TRANSITION,
        `The earliest effectiveMonth is ${earliest}${earliest === withNotice ? ` (the agreed notice is ${notice} month(s))` : ''}.`,
        'input.effectiveMonth',
      );
    }
    const before = { status: e.status };
    await releaseEngagementFrom(em, e.id, input.effectiveMonth);
    e.status = EngagementStatus.TERMINATED;
    e.terminatedAt = new Date();
    e.terminationReason = input.reason.trim();
    const last =
      input.effectiveMonth <= e.startMonth
        ? null
        : input.effectiveMonth > e.endMonth
          ? e.endMonth
          : addMonths(input.effectiveMonth, -1);
    e.serviceEndDate = last ? `${last}-01` : null;
    audit(ctx, em, e, 'engagement.terminated', before, {
      status: e.status,
      effectiveMonth: input.effectiveMonth,
      reason: e.terminationReason,
      forCause: !!input.forCause,
    });
    return e;
  });
}

/** The month's current report, for a dispute action by the buyer side. */
async function reportFor(
  ctx: Context,
  em: EntityManager,
  engagementId: string,
  month: string,
): Promise<{ e: Engagement; report: PerformanceReport }> {
  const e = await engagementFor(ctx, em, engagementId, 'buyer');
  const report = await em.findOne(PerformanceReport, { engagementId: e.id, monthDate: `${month}-01` });
  if (!report) refuse(UserErrorCode.VALIDATION, `No report is recorded for ${month}.`, 'input.month');
  return { e, report: report! };
}

export async function disputePerformanceReport(
  ctx: Context,
  input: DisputePerformanceReportInput,
): Promise<Engagement> {
  const reason = input.reason.trim();
  if (!reason) refuse(UserErrorCode.VALIDATION, 'reason must not be empty.', 'input.reason');
  return ctx.em.transactional(async (em) => {
    const { e, report } = await reportFor(ctx, em, input.engagementId, input.month);
    if (report.disputed)
      refuse(UserErrorCode.INVALID_TRANSITION, `The report for ${input.month} is already disputed.`, 'input.month');
    report.disputed = true;
    report.dispute = { reason, openedAt: new Date(), resolvedAt: null, resolution: null };
    audit(
      ctx,
      em,
      e,
      'engagement.reportDisputed',
      { month: input.month, disputed: false },
      { month: input.month, version: report.version, disputed: true, reason },
    );
    return e;
  });
}

export async function resolvePerformanceDispute(
  ctx: Context,
  input: ResolvePerformanceDisputeInput,
): Promise<Engagement> {
  return ctx.em.transactional(async (em) => {
    const { e, report } = await reportFor(ctx, em, input.engagementId, input.month);
    if (!report.disputed)
      refuse(UserErrorCode.INVALID_TRANSITION, `The report for ${input.month} is not disputed.`, 'input.month');
    const resolution = input.resolution?.trim() || null;
    report.disputed = false;
    report.dispute = { ...report.dispute!, resolvedAt: new Date(), resolution };
    audit(
      ctx,
      em,
      e,
      'engagement.reportDisputeResolved',
      { month: input.month, disputed: true },
      { month: input.month, version: report.version, disputed: false, resolution },
    );
    return e;
  });
}

/**
 * Sweeper step: engagements whose last month has passed are COMPLETED and their needs CLOSED; one
 * still waiting for its BAA by then never started, so it is TERMINATED and its reservations released.
 */
export async function completeEndedEngagements(em: EntityManager): Promise<void> {
  // Locked as read (skipping any a user holds right now: the next sweep gets those), so a termination
  // or BAA signature committed meanwhile is never overwritten: PostgreSQL re-checks the status of a
  // row it had to wait for, and a user's change waits for this transaction.
  const ended = await em.find(
    Engagement,
    {
      status: { $in: [EngagementStatus.ACTIVE, EngagementStatus.PENDING_BAA] },
      endDate: { $lt: `${currentMonth()}-01` },
    },
    { limit: 500, orderBy: { id: 'asc' }, lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE },
  );
  const system = { viewer: null, requestId: 'hold-sweeper' };
  const completedNeeds: string[] = [];
  for (const e of ended) {
    const before = { status: e.status };
    if (e.status === EngagementStatus.ACTIVE) {
      e.status = EngagementStatus.COMPLETED;
      completedNeeds.push(e.needId);
    } else {
      await releaseEngagementFrom(em, e.id, e.startMonth);
      e.status = EngagementStatus.TERMINATED;
      e.terminatedAt = new Date();
      e.terminationReason = 'The BAA was never signed before the last month of the engagement.';
    }
    recordAudit(system, em, {
      action: `engagement.${e.status === EngagementStatus.COMPLETED ? 'completed' : 'terminated'}`,
      entityType: 'Engagement',
      entityId: e.id,
      partyIds: [e.providerId, e.buyerId],
      buyerIds: [e.buyerId],
      before,
      after: { status: e.status },
    });
  }
  // The needs of completed engagements close, in one statement, each with its event (as a cancel has).
  if (!completedNeeds.length) return;
  const closed = await em.execute<{ id: string; buyer_id: string }[]>(
    `update need set status = ?, updated_at = now() where id = any(?::uuid[]) and status = ? returning id, buyer_id`,
    [NeedStatus.CLOSED, pgArray(completedNeeds), NeedStatus.AWARDED],
  );
  for (const n of closed)
    recordAudit(system, em, {
      action: 'need.closed',
      entityType: 'Need',
      entityId: n.id,
      partyIds: [n.buyer_id],
      buyerIds: [n.buyer_id],
      before: { status: NeedStatus.AWARDED },
      after: { status: NeedStatus.CLOSED },
    });
}
