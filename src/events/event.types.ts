import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { DateTimeScalar } from '../shared/scalars';
import { Quote } from '../quotes/quote.entity';
import { Engagement } from '../engagements/engagement.entity';
import { Need } from '../needs/need.entity';

export enum QuoteEventType {
  ISSUED = 'ISSUED',
  REVISED = 'REVISED',
  ACCEPTED = 'ACCEPTED',
  DECLINED = 'DECLINED',
  EXPIRED = 'EXPIRED',
  WITHDRAWN = 'WITHDRAWN',
  SUPERSEDED = 'SUPERSEDED',
  NOT_AWARDED = 'NOT_AWARDED',
}
registerEnumType(QuoteEventType, {
  name: 'QuoteEventType',
  description: 'What happened to a quote.',
  valuesConfig: {
    ISSUED: { description: 'The provider issued the quote.' },
    REVISED: { description: 'The provider issued this new version; the previous one is SUPERSEDED.' },
    ACCEPTED: { description: 'The buyer accepted the quote; the engagement exists.' },
    DECLINED: { description: 'The buyer declined the quote.' },
    EXPIRED: {
      description: 'The quote lapsed, or its need was cancelled or changed (`quote.closedReason` says which).',
    },
    NOT_AWARDED: { description: 'The buyer accepted another quote on the need.' },
    WITHDRAWN: { description: 'The provider withdrew the quote.' },
    SUPERSEDED: { description: 'A newer version replaced the quote.' },
  },
});

export enum EngagementEventType {
  CREATED = 'CREATED',
  BAA_SIGNED = 'BAA_SIGNED',
  TASKS_SET = 'TASKS_SET',
  REPORT_RECORDED = 'REPORT_RECORDED',
  PHASE_ADVANCED = 'PHASE_ADVANCED',
  TERMINATED = 'TERMINATED',
  COMPLETED = 'COMPLETED',
}
registerEnumType(EngagementEventType, {
  name: 'EngagementEventType',
  description: 'What happened to an engagement.',
  valuesConfig: {
    CREATED: { description: 'A quote was accepted and the engagement created.' },
    BAA_SIGNED: { description: 'The business associate agreement was signed.' },
    TASKS_SET: { description: 'Task boundaries or the escalation contact changed.' },
    REPORT_RECORDED: { description: 'The provider recorded (or replaced) a monthly performance report.' },
    PHASE_ADVANCED: { description: 'The buyer approved the next phase.' },
    TERMINATED: { description: 'A party terminated the engagement.' },
    COMPLETED: { description: 'The engagement ended after its last month.' },
  },
});

export enum NeedEventType {
  CREATED = 'CREATED',
}
registerEnumType(NeedEventType, {
  name: 'NeedEventType',
  description: 'What happened to a need (more types may be added; ignore unknown ones).',
  valuesConfig: { CREATED: { description: 'A buyer posted a new open need.' } },
});

@ObjectType({ simpleResolvers: true, description: 'A change to a quote you are a party to.' })
export class QuoteEvent {
  @Field(() => ID, { description: 'Event id: the audit event recording the change (the same id webhooks send).' })
  id!: string;

  @Field(() => QuoteEventType, { description: 'What happened.' })
  type!: QuoteEventType;

  @Field(() => DateTimeScalar, { description: 'When it happened.' })
  occurredAt!: Date;

  @Field(() => Quote, {
    description: 'The quote as it is now (read when the event is delivered, with your access rights).',
  })
  quote!: Quote;
}

@ObjectType({ simpleResolvers: true, description: 'A change to an engagement you are a party to.' })
export class EngagementEvent {
  @Field(() => ID, { description: 'Event id: the audit event recording the change (the same id webhooks send).' })
  id!: string;

  @Field(() => EngagementEventType, { description: 'What happened.' })
  type!: EngagementEventType;

  @Field(() => DateTimeScalar, { description: 'When it happened.' })
  occurredAt!: Date;

  @Field(() => Engagement, {
    description: 'The engagement as it is now (read when the event is delivered, with your access rights).',
  })
  engagement!: Engagement;
}

@ObjectType({
  simpleResolvers: true,
  description: 'New demand: a need posted in the categories and regions you subscribed to.',
})
export class NeedEvent {
  @Field(() => ID, { description: 'Event id: the audit event recording the change.' })
  id!: string;

  @Field(() => NeedEventType, { description: 'What happened.' })
  type!: NeedEventType;

  @Field(() => DateTimeScalar, { description: 'When it happened.' })
  occurredAt!: Date;

  @Field(() => Need, {
    description: 'The need as it is now, with your access rights (the buyer’s private fields stay private).',
  })
  need!: Need;
}
