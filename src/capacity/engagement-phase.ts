// The ramp phases of a quote's schedule and of an engagement; capacity reserves units per phase
// (the current phase's are committed, later ones conditional).
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
