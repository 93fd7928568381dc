import { Entity, Enum, ManyToOne, Property } from '@mikro-orm/core';
import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { BaseEntity } from '../shared/base.entity';
import { DateTimeScalar, MonthScalar } from '../shared/scalars';
import { Organization } from '../organizations/organization.entity';
import { Offering } from '../catalog/offering.entity';
import { Need } from '../needs/need.entity';
import { Quote, ScheduleLine } from '../quotes/quote.entity';
import { EngagementPhase, EngagementStatus } from '../capacity/engagement-phase';
import type { PricedLine } from '../quotes/pricing';

export enum TaskOwner {
  BUYER = 'BUYER',
  PROVIDER = 'PROVIDER',
}
registerEnumType(TaskOwner, { name: 'TaskOwner', description: 'Whose team does a task.' });

export enum PartySide {
  BUYER = 'BUYER',
  PROVIDER = 'PROVIDER',
}
registerEnumType(PartySide, {
  name: 'PartySide',
  description: 'Which party of an engagement: the buyer side or the provider.',
});

@ObjectType({ simpleResolvers: true, description: 'One party’s signature of the business associate agreement.' })
export class BaaSignature {
  @Field(() => PartySide, { description: 'Which party signed.' })
  side!: PartySide;

  /** The signing organization (the engagement's buyer or provider). */
  organizationId!: string;

  @Field(() => DateTimeScalar, { description: 'When it signed.' })
  signedAt!: Date;

  /** API key that recorded it (null for signatures carried over from before two-party signing). */
  apiKeyId!: string | null;
}

/** A proposal of task boundaries by one party, waiting for the other party's confirmation. */
export interface TaskBoundaryProposalData {
  tasks: TaskBoundary[];
  escalationContact: string | null;
  side: PartySide;
  organizationId: string;
  proposedAt: Date;
  apiKeyId: string | null;
}

/** Which transitions each status allows, as data. */
export const ENGAGEMENT_TRANSITIONS: Record<EngagementStatus, EngagementStatus[]> = {
  [EngagementStatus.PENDING_BAA]: [EngagementStatus.ACTIVE, EngagementStatus.TERMINATED],
  [EngagementStatus.ACTIVE]: [EngagementStatus.COMPLETED, EngagementStatus.TERMINATED],
  [EngagementStatus.COMPLETED]: [],
  [EngagementStatus.TERMINATED]: [],
};

/** Phases in order; an engagement only moves forward, and only through its buyer's approval. */
export const PHASE_ORDER = [EngagementPhase.PILOT, EngagementPhase.EXPANSION, EngagementPhase.STEADY];

@ObjectType({ simpleResolvers: true, description: 'A task and whose team owns it, so nobody duplicates work.' })
export class TaskBoundary {
  @Field({ description: 'The task, e.g. `denial appeals`.' })
  task!: string;

  @Field(() => TaskOwner, { description: 'BUYER or PROVIDER.' })
  owner!: TaskOwner;
}

@ObjectType({
  simpleResolvers: true,
  description:
    'Task boundaries proposed by one party; they take effect when the other party confirms them (confirmTaskBoundaries).',
})
export class TaskBoundaryProposal {
  @Field(() => [TaskBoundary], {
    description: 'The proposed tasks and owners (they replace the current ones when confirmed).',
  })
  tasks!: TaskBoundary[];

  @Field(() => String, { nullable: true, description: 'The proposed escalation contact.' })
  escalationContact!: string | null;

  @Field(() => PartySide, { description: 'The party that proposed it; the other party confirms.' })
  side!: PartySide;

  @Field(() => DateTimeScalar, { description: 'When it was proposed.' })
  proposedAt!: Date;
}

@ObjectType({ simpleResolvers: true, description: 'A phase change of an engagement.' })
export class PhaseChange {
  @Field(() => EngagementPhase, { description: 'Phase before.' })
  from!: EngagementPhase;

  @Field(() => EngagementPhase, { description: 'Phase after.' })
  to!: EngagementPhase;

  @Field(() => DateTimeScalar, { description: 'When.' })
  at!: Date;

  @Field(() => String, { nullable: true, description: 'API key that approved it.' })
  apiKeyId!: string | null;
}

/** The contract after a quote is accepted. */
@ObjectType({
  simpleResolvers: true,
  description:
    'The contract after acceptance: parties, schedule, phase, task boundaries, BAA status. Visible to its two parties and the operator.',
})
@Entity({ tableName: 'engagement' })
export class Engagement extends BaseEntity {
  @ManyToOne(() => Quote, { mapToPk: true, fieldName: 'quote_id' })
  quoteId: string;

  @ManyToOne(() => Need, { mapToPk: true, fieldName: 'need_id' })
  needId: string;

  @ManyToOne(() => Offering, { mapToPk: true, fieldName: 'offering_id' })
  offeringId: string;

  @ManyToOne(() => Organization, { mapToPk: true, fieldName: 'provider_id' })
  providerId: string;

  @ManyToOne(() => Organization, { mapToPk: true, fieldName: 'buyer_id' })
  buyerId: string;

  @Field(() => EngagementPhase, { description: 'Current phase.' })
  @Enum({ items: () => EngagementPhase })
  phase: EngagementPhase;

  @Field(() => EngagementStatus, { description: 'PENDING_BAA, ACTIVE, COMPLETED or TERMINATED.' })
  @Enum({ items: () => EngagementStatus })
  status: EngagementStatus;

  @Property({ type: 'date', fieldName: 'start_month' })
  startDate: string;

  @Property({ type: 'date', fieldName: 'end_month' })
  endDate: string;

  @Field(() => [ScheduleLine], { description: 'The accepted schedule.' })
  @Property({ type: 'json' })
  schedule: PricedLine[];

  @Field(() => [TaskBoundary], { description: 'Who does what.' })
  @Property({ type: 'json' })
  taskBoundaries: TaskBoundary[] = [];

  @Field(() => String, { nullable: true, description: 'Escalation contact (role or desk, not patient information).' })
  @Property({ type: 'text', nullable: true })
  escalationContact: string | null = null;

  @Field({ description: 'Whether a signed BAA is required (the category touches PHI).' })
  @Property({ type: 'boolean' })
  baaRequired: boolean;

  @Field(() => DateTimeScalar, {
    nullable: true,
    description: 'When the BAA came into force: the later of the two parties’ signatures; null until both have signed.',
  })
  @Property({ type: 'timestamptz', nullable: true })
  baaSignedAt: Date | null = null;

  @Field(() => [BaaSignature], {
    description: 'Signatures of the BAA so far, one per party at most; it is in force once both parties have signed.',
  })
  @Property({ type: 'json' })
  baaSignatures: BaaSignature[] = [];

  @Property({ type: 'json', nullable: true, fieldName: 'proposed_task_boundaries' })
  taskProposal: TaskBoundaryProposalData | null = null;

  @Field(() => DateTimeScalar, { description: 'When the current phase began.' })
  @Property({ type: 'timestamptz' })
  phaseEnteredAt: Date = new Date();

  @Field(() => [PhaseChange], { description: 'Phase changes, oldest first.' })
  @Property({ type: 'json' })
  phaseHistory: PhaseChange[] = [];

  @Field(() => DateTimeScalar, { nullable: true, description: 'When it was terminated.' })
  @Property({ type: 'timestamptz', nullable: true })
  terminatedAt: Date | null = null;

  @Field(() => String, { nullable: true, description: 'Why it was terminated.' })
  @Property({ type: 'text', nullable: true })
  terminationReason: string | null = null;

  @Property({ type: 'date', nullable: true, fieldName: 'service_end_month' })
  serviceEndDate: string | null = null;

  @Field(() => MonthScalar, { description: 'First month of service.' })
  get startMonth(): string {
    return String(this.startDate).slice(0, 7);
  }

  @Field(() => MonthScalar, { description: 'Last month of the schedule.' })
  get endMonth(): string {
    return String(this.endDate).slice(0, 7);
  }

  @Field(() => MonthScalar, { nullable: true, description: 'After termination: the last month of service.' })
  get serviceEndMonth(): string | null {
    return this.serviceEndDate ? String(this.serviceEndDate).slice(0, 7) : null;
  }

  constructor(init: { quote: Quote; phase: EngagementPhase; baaRequired: boolean }) {
    super();
    const q = init.quote;
    this.quoteId = q.id;
    this.needId = q.needId;
    this.offeringId = q.offeringId;
    this.providerId = q.providerId;
    this.buyerId = q.buyerId;
    this.phase = init.phase;
    this.baaRequired = init.baaRequired;
    this.status = init.baaRequired ? EngagementStatus.PENDING_BAA : EngagementStatus.ACTIVE;
    this.schedule = q.schedule;
    this.startDate = `${q.schedule[0].month}-01`;
    this.endDate = `${q.schedule[q.schedule.length - 1].month}-01`;
  }
}
