// The events the exchange publishes: every audit event becomes one, named by its action
// (`quote.accepted`). Live subscriptions and webhooks both start from this message.

/** What the dispatcher publishes on the shared bus for each committed audit event. */
export interface ExchangeEvent {
  /** The audit event's id: stable, the same in every channel and on every retry. */
  id: string;
  /** The audit action, e.g. `quote.accepted`. */
  type: string;
  occurredAt: string;
  entityType: string;
  entityId: string;
  /** The parties of the changed object; with `buyerIds`, who may read the event (access/visibility.ts `canReadEvent`). */
  partyIds: string[];
  /** The parties acting as buyer: their network may read the event too. */
  buyerIds: string[];
  /** For need events: what a market-wide subscription filters on (public fields of an open need). */
  categoryCode?: string | null;
  regionCode?: string | null;
}

/** The bus channel of one exchange (the namespace separates databases sharing a Redis). */
export const eventsChannel = (namespace: string) => `${namespace}:events`;

/** Event types a webhook may subscribe to, with what they mean. */
export const WEBHOOK_EVENT_TYPES: Record<string, string> = {
  'quote.issued': 'A provider issued a quote (capacity is held until it expires).',
  'quote.revised': 'A provider issued a new version of a quote; the old one is superseded.',
  'quote.superseded': 'A quote was replaced by a newer version.',
  'quote.accepted': 'The buyer accepted a quote; an engagement was created.',
  'quote.declined': 'The buyer declined a quote.',
  'quote.withdrawn': 'The provider withdrew a quote.',
  'quote.expired': 'A quote lapsed, or its need was cancelled or changed what was priced (`closedReason` says which).',
  'quote.notAwarded': 'The buyer accepted another quote on the need; this one lost.',
  'engagement.created': 'An engagement started from an accepted quote.',
  'engagement.baaSigned':
    'A party signed the business associate agreement of an engagement (`inForce` once both have).',
  'engagement.tasksProposed': 'A party proposed task boundaries; they wait for the other party to confirm.',
  'engagement.tasksSet': 'The other party confirmed proposed task boundaries: they are in force.',
  'engagement.reportDisputed': 'The buyer side disputed a monthly performance report.',
  'engagement.reportDisputeResolved': 'The buyer side resolved its dispute of a monthly performance report.',
  'engagement.performanceRecorded': 'The provider recorded a monthly performance report.',
  'engagement.phaseAdvanced': 'The buyer approved the next phase of an engagement.',
  'engagement.terminated': 'A party terminated an engagement.',
  'engagement.completed': 'An engagement ended after its last month.',
  'need.created': 'A need was posted.',
  'need.updated': 'An open need changed.',
  'need.cancelled': 'The buyer cancelled a need.',
  'need.awarded': 'A quote on a need was accepted.',
  'need.closed': 'An awarded need closed: its engagement completed.',
  'offering.created': 'An offering was created.',
  'offering.updated': 'An offering changed.',
  'offering.published': 'An offering was published.',
  'offering.paused': 'An offering was paused.',
  'capacity.set': 'Capacity months of an offering were set.',
  'phasePolicy.set': "A provider's phase policy was set.",
  'phasePolicy.changeRequested': 'A provider asked to loosen its phase policy; the change waits for the operator.',
  'phasePolicy.changeApproved': "The operator approved a provider's pending phase policy change; it is in force.",
  'phasePolicy.changeRejected': "The operator rejected a provider's pending phase policy change (with the reason).",
  'provider.phaseAdvanced': 'A provider moved to its next phase.',
  'provider.phaseRetreated': 'A provider went back a phase.',
};

/** `quote.*` style patterns: every type of that object. */
export const WEBHOOK_EVENT_PATTERNS = [...new Set(Object.keys(WEBHOOK_EVENT_TYPES).map((t) => `${t.split('.')[0]}.*`))];

export const isWebhookEventName = (name: string) =>
  name in WEBHOOK_EVENT_TYPES || WEBHOOK_EVENT_PATTERNS.includes(name);
