// The acceptance decision: whether a quote may be accepted, decided in SQL under the locks
// (`acceptanceCtes`), and the refusal for each reason (`refuseAcceptance`), side by side so that the
// check and its messages change together. Locks follow the global order (src/db/locks.ts).
import type { EntityManager } from '@mikro-orm/postgresql';
import type { PhaseDefinition } from '../organizations/phase-policy';
import type { LockedProvider } from '../capacity/capacity.locks';
import { GENERIC_PLANS_FOR_TRANSACTION, pgArray, prepared } from '../db/prepared';
import { phaseSlotLeft, phaseSlotsTaken } from '../capacity/engagement-slots';
import { refuse, UserErrorCode } from '../shared/errors';
import { providerLimitMessage, type Reader } from '../access/visibility';
import type { SqlPart } from '../db/write-model';
import { NeedStatus } from '../needs/need.entity';
import { QuoteStatus } from './quote.entity';

/** What acceptance needs of a quote, its provider and its need, read under the provider's and the need's locks. */
export interface AcceptanceParties {
  /** The quote's row; its status may predate the locks (see acceptanceCtes), its other columns never change. */
  quoteRow: Record<string, unknown>;
  provider: Pick<LockedProvider, 'phasePolicy' | 'currentPhase'>;
  need: { id: string; status: string; buyerId: string; categoryCode: string };
}

/**
 * Acceptance: reads a quote and locks its provider's organization row, then its need, in one
 * statement (row marks are locked in the order listed: provider, need); the provider's and the need's
 * columns are read after their locks. The statements after it run on generic plans. Only a caller acting
 * for the quote's buyer (`buyerIds`; null: the operator) locks anything: for anyone else nothing is returned.
 */
export async function lockPartiesOfQuote(
  em: EntityManager,
  quoteId: string,
  buyerIds: string[] | null,
): Promise<AcceptanceParties | null> {
  const buyers = buyerIds && pgArray(buyerIds);
  const [row] = await prepared(
    em,
    `select q.*, o.phase_policy as "provider.phase_policy", o.current_phase as "provider.current_phase",
            n.status as "need.status", n.buyer_id as "need.buyer_id", n.category_code as "need.category_code", ${GENERIC_PLANS_FOR_TRANSACTION}
       from quote q join organization o on o.id = q.provider_id join need n on n.id = q.need_id
      where q.id = ? and (?::uuid[] is null or q.buyer_id = any(?::uuid[])) for no key update of o, n`,
    [quoteId, buyers, buyers],
  );
  return row
    ? {
        quoteRow: row,
        provider: {
          phasePolicy: row['provider.phase_policy'] as PhaseDefinition[],
          currentPhase: row['provider.current_phase'] as number,
        },
        need: {
          id: row.need_id as string,
          status: row['need.status'] as string,
          buyerId: row['need.buyer_id'] as string,
          categoryCode: row['need.category_code'] as string,
        },
      }
    : null;
}

/** A quote and every other quote of its need still marked ISSUED, locked in id order (acceptance). */
const QUOTES_OF_ACCEPTANCE = `q.need_id = ? and (q.status = 'ISSUED' or q.id = ?) order by q.id for update`;

/** What the acceptance statement found under its locks (`acceptanceCtes`), and whether it accepted. */
export interface AcceptanceFacts {
  /** The quote's stored status, and whether its expiry is still ahead. */
  status: string;
  /** Why the quote left ISSUED, when it has. */
  closed_reason: string | null;
  live: boolean;
  /** Other quotes of the need still marked ISSUED (they must expire first). */
  rivals: number;
  /** The provider's engagements that take a phase slot. */
  active_engagements: number;
  ok: boolean;
}

/**
 * The first CTEs of the acceptance statement (its second, after `lockPartiesOfQuote`): `qq` locks the
 * quote and every other quote of its need still marked ISSUED, in id order; `facts` reads them, with
 * the provider's engagements that take a phase slot (this statement's snapshot follows the provider's
 * and the need's locks, under which every such engagement is created and every quote on the need is
 * issued); `go` (ok) holds when the acceptance may proceed. Later CTEs write only if `go`.
 */
export function acceptanceCtes(a: {
  needId: string;
  quoteId: string;
  providerId: string;
  needOpen: boolean;
  maxActiveEngagements: number | null;
}): [string, SqlPart][] {
  return [
    [
      'qq',
      {
        sql: `select q.id, q.status, q.expires_at, q.closed_reason from quote q where ${QUOTES_OF_ACCEPTANCE}`,
        params: [a.needId, a.quoteId],
      },
    ],
    [
      'facts',
      {
        sql: `select (select status from qq where id = ?) as status, (select closed_reason from qq where id = ?) as closed_reason,
                     coalesce((select expires_at > now() from qq where id = ?), false) as live,
                     (select count(*)::int from qq where status = 'ISSUED' and id <> ?) as rivals,
                     ${phaseSlotsTaken('?')} as active_engagements`,
        params: [a.quoteId, a.quoteId, a.quoteId, a.quoteId, a.providerId],
      },
    ],
    [
      'go',
      {
        sql: `select f.status = 'ISSUED' and f.live and f.rivals = 0 and ?::boolean and ${phaseSlotLeft('f.active_engagements', '?::int')} as ok from facts f`,
        params: [a.needOpen, a.maxActiveEngagements, a.maxActiveEngagements],
      },
    ],
  ];
}

/**
 * Acceptance with rival quotes: locks the quote and every other quote of its need still marked ISSUED
 * (the only ones that can hold capacity on an open need, and the ones acceptance expires), in id order,
 * and reads them whole. Call with the provider and the need locked.
 */
export async function lockQuotesOfAcceptance(
  em: EntityManager,
  needId: string,
  quoteId: string,
): Promise<Record<string, unknown>[]> {
  return prepared(em, `select q.* from quote q where ${QUOTES_OF_ACCEPTANCE}`, [needId, quoteId]);
}

/**
 * Refuses the acceptance the facts rule out, in this order: the quote, the need, the provider's slots.
 * Returns when only rival quotes stand in the way (they expire, and the acceptance runs again).
 */
export function refuseAcceptance(
  facts: AcceptanceFacts,
  quote: { expiresAt: Date; providerId: string },
  needStatus: string,
  phase: PhaseDefinition,
  caller: Reader,
): void {
  // Closed before its expiry (its need was changed or cancelled): the reason, which both parties read.
  if (facts.status === QuoteStatus.EXPIRED && facts.live && facts.closed_reason)
    refuse(UserErrorCode.QUOTE_EXPIRED, `The quote is no longer live: ${facts.closed_reason}`, 'input.quoteId');
  if (facts.status === QuoteStatus.EXPIRED || (facts.status === QuoteStatus.ISSUED && !facts.live))
    refuse(UserErrorCode.QUOTE_EXPIRED, `The quote expired at ${quote.expiresAt.toISOString()}.`, 'input.quoteId');
  if (facts.status !== QuoteStatus.ISSUED)
    refuse(UserErrorCode.INVALID_TRANSITION, `The quote is ${facts.status}.`, 'input.quoteId');
  if (needStatus !== NeedStatus.OPEN)
    refuse(UserErrorCode.INVALID_TRANSITION, `The need is already ${needStatus}.`, 'input.quoteId');
  if (phase.maxActiveEngagements !== null && facts.active_engagements >= phase.maxActiveEngagements) {
    // The buyer learns only that the provider has no room; its phase and caps are the provider's.
    refuse(
      UserErrorCode.PHASE_LIMIT_REACHED,
      providerLimitMessage(
        caller,
        quote.providerId,
        `The provider is in ${phase.name}, which allows ${phase.maxActiveEngagements} active engagements; it has no slot left.`,
      ),
      'input.quoteId',
    );
  }
}
