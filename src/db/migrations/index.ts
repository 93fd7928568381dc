// Migrations, listed explicitly so that compiled and test runs find the same ones.
import { Migration20261122000001Foundation } from './Migration20261122000001Foundation';
import { Migration20261122000002Capacity } from './Migration20261122000002Capacity';
import { Migration20261122000003Trading } from './Migration20261122000003Trading';
import { Migration20261122000004ReadIndexes } from './Migration20261122000004ReadIndexes';
import { Migration20261122000005Events } from './Migration20261122000005Events';
import { Migration20261123000006ReservationDelta } from './Migration20261123000006ReservationDelta';
import { Migration20261123000007QuoteHoldIndex } from './Migration20261123000007QuoteHoldIndex';
import { Migration20261123000008ReservationCountersPerStatement } from './Migration20261123000008ReservationCountersPerStatement';
import { Migration20261123000009AuditTrailIsTheOutbox } from './Migration20261123000009AuditTrailIsTheOutbox';
import { Migration20261123000010ConsistentParties } from './Migration20261123000010ConsistentParties';
import { Migration20261204180001AuditEventSides } from './Migration20261204180001AuditEventSides';
import { Migration20261204180002ApiKeyLastUsed } from './Migration20261204180002ApiKeyLastUsed';
import { Migration20261204170001ContractTerms } from './Migration20261204170001ContractTerms';
import { Migration2026120421001WebhookRotationAndDemand } from './Migration2026120421001WebhookRotationAndDemand';
import { Migration20261204230001WebhookFairness } from './Migration20261204230001WebhookFairness';
import { Migration20261205230001WebhookLeaseIndex } from './Migration20261205230001WebhookLeaseIndex';
import { Migration20261204170002HonestOutcomes } from './Migration20261204170002HonestOutcomes';

export const migrationsList = [
  { name: 'Migration20261122000001Foundation', class: Migration20261122000001Foundation },
  { name: 'Migration20261122000002Capacity', class: Migration20261122000002Capacity },
  { name: 'Migration20261122000003Trading', class: Migration20261122000003Trading },
  { name: 'Migration20261122000004ReadIndexes', class: Migration20261122000004ReadIndexes },
  { name: 'Migration20261122000005Events', class: Migration20261122000005Events },
  { name: 'Migration20261123000006ReservationDelta', class: Migration20261123000006ReservationDelta },
  { name: 'Migration20261123000007QuoteHoldIndex', class: Migration20261123000007QuoteHoldIndex },
  {
    name: 'Migration20261123000008ReservationCountersPerStatement',
    class: Migration20261123000008ReservationCountersPerStatement,
  },
  { name: 'Migration20261123000009AuditTrailIsTheOutbox', class: Migration20261123000009AuditTrailIsTheOutbox },
  { name: 'Migration20261123000010ConsistentParties', class: Migration20261123000010ConsistentParties },
  { name: 'Migration20261204180001AuditEventSides', class: Migration20261204180001AuditEventSides },
  { name: 'Migration20261204180002ApiKeyLastUsed', class: Migration20261204180002ApiKeyLastUsed },
  { name: 'Migration20261204170001ContractTerms', class: Migration20261204170001ContractTerms },
  { name: 'Migration2026120421001WebhookRotationAndDemand', class: Migration2026120421001WebhookRotationAndDemand },
  { name: 'Migration20261204230001WebhookFairness', class: Migration20261204230001WebhookFairness },
  { name: 'Migration20261204170002HonestOutcomes', class: Migration20261204170002HonestOutcomes },
  { name: 'Migration20261205230001WebhookLeaseIndex', class: Migration20261205230001WebhookLeaseIndex },
];
