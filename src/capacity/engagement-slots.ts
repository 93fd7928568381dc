// The phase-cap rule, written once: a provider's phase allows `maxActiveEngagements` engagements at a
// time (null: no cap), and an engagement takes one of those slots from its creation (PENDING_BAA)
// until it completes or is terminated. Acceptance (src/quotes/quote.acceptance.ts) and matching both
// build their SQL from these fragments.
import { EngagementStatus } from './engagement-phase';

const SLOT_TAKING = [EngagementStatus.PENDING_BAA, EngagementStatus.ACTIVE].map((s) => `'${s}'`).join(', ');

/** SQL: engagement `e` takes one of its provider's phase slots. */
export const takesPhaseSlot = (e: string) => `${e}.status in (${SLOT_TAKING})`;

/** SQL: the number of engagements taking a phase slot of the provider whose id is `providerId` (SQL). */
export const phaseSlotsTaken = (providerId: string) =>
  `(select count(*)::int from engagement e where e.provider_id = ${providerId} and ${takesPhaseSlot('e')})`;

/** SQL: a provider with `taken` (SQL) slots taken has one left under the cap `max` (SQL, null: no cap). */
export const phaseSlotLeft = (taken: string, max: string) => `(${max} is null or ${taken} < ${max})`;
