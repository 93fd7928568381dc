// What capacity depends on of an engagement: the ramp phases of a quote's schedule and of an
// engagement (capacity reserves units per phase: the current phase's are committed, later ones
// conditional), and an engagement's status (which engagements take a phase slot: engagement-slots.ts).
import { registerEnumType } from 'type-graphql';

export enum EngagementPhase {
  PILOT = 'PILOT',
  EXPANSION = 'EXPANSION',
  STEADY = 'STEADY',
}
registerEnumType(EngagementPhase, {
  name: 'EngagementPhase',
  description: 'Ramp phase of a quote line or an engagement.',
});

export enum EngagementStatus {
  PENDING_BAA = 'PENDING_BAA',
  ACTIVE = 'ACTIVE',
  COMPLETED = 'COMPLETED',
  TERMINATED = 'TERMINATED',
}
registerEnumType(EngagementStatus, {
  name: 'EngagementStatus',
  description: 'PENDING_BAA until a PHI-touching engagement’s BAA is signed; ACTIVE; COMPLETED; TERMINATED.',
});
