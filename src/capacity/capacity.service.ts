// The capacity book (setCapacity), phase policies and phase moves, and capacity reads with tenancy.
import type { EntityManager } from '@mikro-orm/postgresql';
import { Offering } from '../catalog/offering.entity';
import { Organization } from '../organizations/organization.entity';
import { canSeeOffering } from '../catalog/offering.service';
import type { Context } from '../access/context';
import { assertAdminOf, type Viewer } from '../access/viewer';
import { badInput, forbidden, notFound, refuse, UserError, UserErrorCode, UserErrors } from '../shared/errors';
import { isUuid } from '../shared/ids';
import { currentMonth, monthOf, monthsBetween } from '../shared/month';
import { InputChecks } from '../shared/validation';
import { recordAudit } from '../audit/audit.service';
import { pgArray } from '../db/prepared';
import { lockOfferingMonths, lockProvider, lockProviderMonths, type LockedProvider } from './capacity.locks';
import { releaseExpiredHolds } from './ledger';
import { availableUnits, reservedUnits } from './availability';
import {
  loosens,
  phaseInForceAfter,
  policyProblems,
  providerGateMiss,
  sellableUnits,
  type PhaseDefinition,
} from '../organizations/phase-policy';
import type { CapacityMonth, SetCapacityInput } from './capacity.types';
import type { CapacityRow } from './capacity.loader';

export const MAX_MONTHS_AHEAD = 60;

const shareOf = (p: Pick<LockedProvider, 'phasePolicy' | 'currentPhase'>) =>
  p.phasePolicy[p.currentPhase].maxExternalShare;

/** The provider's row, locked once the caller is known to act for it (outsiders never hold or wait for it). */
async function lockedProviderFor(em: EntityManager, viewer: Viewer, providerId: string): Promise<LockedProvider> {
  assertAdminOf(viewer, providerId);
  const provider = isUuid(providerId) ? await lockProvider(em, providerId) : null;
  if (!provider) throw notFound('Organization');
  return provider;
}

export async function setCapacity(ctx: Context, input: SetCapacityInput): Promise<Offering> {
  const now = currentMonth();
  const checks = new InputChecks();
  const seen = new Set<string>();
  input.months.forEach((m, i) => {
    checks
      .check(m.month >= now, `input.months.${i}.month`, `${m.month} is in the past; capacity can be set from ${now}.`)
      .check(
        monthsBetween(now, m.month) <= MAX_MONTHS_AHEAD,
        `input.months.${i}.month`,
        `${m.month} is more than ${MAX_MONTHS_AHEAD} months ahead.`,
      )
      .check(!seen.has(m.month), `input.months.${i}.month`, `${m.month} appears twice.`);
    seen.add(m.month);
  });
  checks.done();
  return ctx.em.transactional(async (em) => {
    const offering = isUuid(input.offeringId) ? await em.findOne(Offering, input.offeringId) : null;
    if (!offering || !canSeeOffering(ctx.viewer, offering)) throw notFound('Offering');
    const provider = await lockedProviderFor(em, ctx.viewer, offering.providerId);
    const share = shareOf(provider);
    const existing = await releaseExpiredHolds(
      em,
      await lockOfferingMonths(
        em,
        offering.id,
        input.months.map((m) => m.month),
      ),
    );
    const byMonth = new Map(existing.map((m) => [m.month, m]));
    const below = input.months.flatMap((m, i) => {
      const row = byMonth.get(m.month);
      const reserved = row ? reservedUnits(row) : 0;
      const sellable = sellableUnits(m.totalUnits, share);
      return sellable < reserved
        ? [
            new UserError(
              UserErrorCode.CAPACITY_EXCEEDED,
              `${m.month}: ${reserved} units are reserved; ${m.totalUnits} total units leave only ${sellable} sellable.`,
              `input.months.${i}.totalUnits`,
              { month: m.month, requestedUnits: reserved, availableUnits: sellable },
            ),
          ]
        : [];
    });
    if (below.length) throw new UserErrors(below);
    await em.execute(
      `insert into capacity_month (offering_id, month, total_units, sellable_units)
       select ?, m, t, s from unnest(?::date[], ?::int[], ?::int[]) as x(m, t, s)
       on conflict (offering_id, month) do update
         set total_units = excluded.total_units, sellable_units = excluded.sellable_units, updated_at = now()`,
      [
        offering.id,
        pgArray(input.months.map((m) => `${m.month}-01`)),
        pgArray(input.months.map((m) => String(m.totalUnits))),
        pgArray(input.months.map((m) => String(sellableUnits(m.totalUnits, share)))),
      ],
    );
    recordAudit(ctx, em, {
      action: 'capacity.set',
      entityType: 'Offering',
      entityId: offering.id,
      partyIds: [offering.providerId],
      before: {
        months: input.months.map((m) => ({ month: m.month, totalUnits: byMonth.get(m.month)?.totalUnits ?? null })),
      },
      after: {
        months: input.months.map((m) => ({
          month: m.month,
          totalUnits: m.totalUnits,
          sellableUnits: sellableUnits(m.totalUnits, share),
        })),
      },
    });
    return offering;
  });
}

/**
 * Recomputes sellable units of every month from now on for a new share, or refuses naming each
 * month that would fall below what is already reserved there.
 */
async function applyShare(em: EntityManager, providerId: string, share: number): Promise<void> {
  const from = currentMonth();
  const months = await releaseExpiredHolds(em, await lockProviderMonths(em, providerId, from));
  const below = months.filter((m) => sellableUnits(m.totalUnits, share) < reservedUnits(m));
  if (below.length) {
    throw new UserErrors(
      below.map(
        (m) =>
          new UserError(
            UserErrorCode.CAPACITY_EXCEEDED,
            `${m.month}: ${reservedUnits(m)} units are reserved on offering ${m.offeringId}; a share of ${share} leaves only ${sellableUnits(m.totalUnits, share)} sellable.`,
            undefined,
            { month: m.month, requestedUnits: reservedUnits(m), availableUnits: sellableUnits(m.totalUnits, share) },
          ),
      ),
    );
  }
  await em.execute(
    `update capacity_month c set sellable_units = floor(c.total_units * ?::numeric), updated_at = now()
       from offering o where o.id = c.offering_id and o.provider_id = ? and c.month >= ?::date`,
    [String(share), providerId, `${from}-01`],
  );
}

async function movePhase(
  ctx: Context,
  em: EntityManager,
  provider: LockedProvider,
  to: number,
  action: string,
  reason: string | null,
) {
  const org = await em.findOneOrFail(Organization, provider.id);
  const from = provider.phasePolicy[provider.currentPhase];
  await applyShare(em, provider.id, provider.phasePolicy[to].maxExternalShare);
  org.currentPhase = to;
  org.phaseEnteredAt = new Date();
  recordAudit(ctx, em, {
    action,
    entityType: 'Organization',
    entityId: org.id,
    partyIds: [org.id],
    before: { phase: from.name },
    after: { phase: provider.phasePolicy[to].name, ...(reason ? { reason } : {}) },
  });
  return org;
}

export async function setPhasePolicy(
  ctx: Context,
  input: { providerId: string; phases: PhaseDefinition[] },
): Promise<Organization> {
  const phases = input.phases.map((p) => ({
    name: p.name,
    maxExternalShare: p.maxExternalShare,
    maxActiveEngagements: p.maxActiveEngagements ?? null,
  }));
  const checks = new InputChecks();
  for (const [field, message] of policyProblems(phases)) checks.check(false, field, message);
  checks.done();
  return ctx.em.transactional(async (em) => {
    const provider = await lockedProviderFor(em, ctx.viewer, input.providerId);
    const org = await em.findOneOrFail(Organization, provider.id);
    const next = phaseInForceAfter(provider.phasePolicy, provider.currentPhase, phases);
    if (!ctx.viewer.isOperator && loosens(provider.phasePolicy, provider.currentPhase, phases, next)) {
      // Limits are loosened only by the operator: kept as the pending change (replacing any earlier one).
      org.pendingPhasePolicy = phases;
      org.pendingPhasePolicyAt = new Date();
      recordAudit(ctx, em, {
        action: 'phasePolicy.changeRequested',
        entityType: 'Organization',
        entityId: org.id,
        partyIds: [org.id],
        before: { phases: provider.phasePolicy },
        after: { pendingPhases: phases },
      });
      return org;
    }
    return applyPolicy(ctx, em, provider, org, phases, 'phasePolicy.set', {});
  });
}

/** Puts `phases` in force (sellable units recomputed, refused where below reservations) and clears any pending change. */
async function applyPolicy(
  ctx: Context,
  em: EntityManager,
  provider: LockedProvider,
  org: Organization,
  phases: PhaseDefinition[],
  action: string,
  extra: Record<string, unknown>,
) {
  const currentName = provider.phasePolicy[provider.currentPhase].name;
  const current = phaseInForceAfter(provider.phasePolicy, provider.currentPhase, phases);
  await applyShare(em, provider.id, phases[current].maxExternalShare);
  const before = { phases: org.phasePolicy, currentPhase: currentName };
  org.phasePolicy = phases;
  if (current !== org.currentPhase || phases[current].name !== currentName) org.phaseEnteredAt = new Date();
  org.currentPhase = current;
  org.pendingPhasePolicy = null;
  org.pendingPhasePolicyAt = null;
  recordAudit(ctx, em, {
    action,
    entityType: 'Organization',
    entityId: org.id,
    partyIds: [org.id],
    before,
    after: { phases, currentPhase: phases[current].name, ...extra },
  });
  return org;
}

/** The operator's decision on a pending change: the provider, locked, with its pending phases. */
async function pendingChangeOf(
  ctx: Context,
  em: EntityManager,
  providerId: string,
): Promise<{ provider: LockedProvider; org: Organization; phases: PhaseDefinition[] }> {
  if (!ctx.viewer.isOperator) throw forbidden('Only the network operator approves or rejects phase policy changes.');
  const provider = await lockedProviderFor(em, ctx.viewer, providerId);
  const org = await em.findOneOrFail(Organization, provider.id);
  if (!org.pendingPhasePolicy)
    refuse(
      UserErrorCode.INVALID_TRANSITION,
      'No phase policy change is pending for this provider.',
      'input.providerId',
    );
  return { provider, org, phases: org.pendingPhasePolicy! };
}

export async function approvePhasePolicyChange(ctx: Context, providerId: string): Promise<Organization> {
  return ctx.em.transactional(async (em) => {
    const { provider, org, phases } = await pendingChangeOf(ctx, em, providerId);
    return applyPolicy(ctx, em, provider, org, phases, 'phasePolicy.changeApproved', {
      requestedAt: org.pendingPhasePolicyAt,
    });
  });
}

export async function rejectPhasePolicyChange(
  ctx: Context,
  input: { providerId: string; reason: string },
): Promise<Organization> {
  const reason = input.reason.trim();
  if (!reason) refuse(UserErrorCode.VALIDATION, 'reason must not be empty.', 'input.reason');
  return ctx.em.transactional(async (em) => {
    const { org, phases } = await pendingChangeOf(ctx, em, input.providerId);
    org.pendingPhasePolicy = null;
    org.pendingPhasePolicyAt = null;
    recordAudit(ctx, em, {
      action: 'phasePolicy.changeRejected',
      entityType: 'Organization',
      entityId: org.id,
      partyIds: [org.id],
      before: { pendingPhases: phases },
      after: { pendingPhases: null, reason },
    });
    return org;
  });
}

/**
 * Advances when the provider's own record meets the gate (time in phase, SLA attainment across its
 * engagements), or when the operator overrides it with a reason (kept in the audit trail).
 */
export async function advanceProviderPhase(
  ctx: Context,
  input: { providerId: string; overrideReason?: string | null },
): Promise<Organization> {
  const viewer = ctx.viewer;
  return ctx.em.transactional(async (em) => {
    const provider = await lockedProviderFor(em, viewer, input.providerId);
    if (provider.currentPhase + 1 >= provider.phasePolicy.length) {
      refuse(
        UserErrorCode.INVALID_TRANSITION,
        `${provider.phasePolicy[provider.currentPhase].name} is the last phase.`,
        'input.providerId',
      );
    }
    const reason = input.overrideReason?.trim() || null;
    if (reason && !viewer.isOperator) throw forbidden('Only the network operator may override the phase gate.');
    if (!reason) {
      const [record] = await em.execute<{ reports: number; attainment: string | null }[]>(
        `select count(*)::int as reports, avg(r.attainment) as attainment
           from performance_report r join engagement e on e.id = r.engagement_id
          where e.provider_id = ? and r.created_at >= ?`,
        [provider.id, provider.phaseEnteredAt],
      );
      const miss = providerGateMiss({
        monthsInPhase: monthsBetween(monthOf(new Date(provider.phaseEnteredAt)), currentMonth()),
        reports: record.reports,
        attainment: record.attainment === null ? null : Number(record.attainment),
      });
      if (miss)
        refuse(
          UserErrorCode.GATE_NOT_MET,
          `${miss.message} The operator may override it with a reason.`,
          'input.overrideReason',
          { metric: miss.metric },
        );
    }
    return movePhase(ctx, em, provider, provider.currentPhase + 1, 'provider.phaseAdvanced', reason);
  });
}

export async function retreatProviderPhase(
  ctx: Context,
  input: { providerId: string; reason?: string | null },
): Promise<Organization> {
  return ctx.em.transactional(async (em) => {
    const provider = await lockedProviderFor(em, ctx.viewer, input.providerId);
    if (provider.currentPhase === 0)
      refuse(
        UserErrorCode.INVALID_TRANSITION,
        `${provider.phasePolicy[0].name} is the first phase.`,
        'input.providerId',
      );
    return movePhase(
      ctx,
      em,
      provider,
      provider.currentPhase - 1,
      'provider.phaseRetreated',
      input.reason?.trim() || null,
    );
  });
}

/** Validates a month range for capacity reads. */
export function checkRange(from: string, to: string): void {
  if (to < from) throw badInput('to must not be before from.', 'to');
  if (monthsBetween(from, to) >= 72) throw badInput('A range covers at most 72 months.', 'to');
}

/** Capacity months of one offering for `viewer`: every figure for its provider, availability only for others. */
export function toCapacityMonths(rows: CapacityRow[], fullView: boolean, phase: string | null): CapacityMonth[] {
  return rows.map((r) => {
    const reserved = reservedUnits(r);
    const available = availableUnits(r);
    if (!fullView) {
      return {
        month: r.month,
        availableUnits: available,
        totalUnits: null,
        sellableUnits: null,
        heldUnits: null,
        committedUnits: null,
        conditionalUnits: null,
        reservedUnits: null,
        utilization: null,
        phase: null,
      };
    }
    return {
      ...r,
      reservedUnits: reserved,
      availableUnits: available,
      utilization: r.sellableUnits ? reserved / r.sellableUnits : null,
      phase,
    };
  });
}
