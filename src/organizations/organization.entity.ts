import { ArrayType, Entity, Enum, ManyToOne, Property } from '@mikro-orm/core';
import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { BaseEntity } from '../shared/base.entity';
import { DEFAULT_PHASE_POLICY, type PhaseDefinition } from './phase-policy';

export enum OrganizationKind {
  HEALTH_SYSTEM = 'HEALTH_SYSTEM',
  HOSPITAL = 'HOSPITAL',
  PRACTICE = 'PRACTICE',
  NETWORK = 'NETWORK',
}
registerEnumType(OrganizationKind, { name: 'OrganizationKind', description: 'What kind of organization it is.' });

export enum Certification {
  HIPAA_BAA = 'HIPAA_BAA',
  SOC2_TYPE_II = 'SOC2_TYPE_II',
  HITRUST = 'HITRUST',
  ISO_27001 = 'ISO_27001',
  PCI_DSS = 'PCI_DSS',
  URAC = 'URAC',
  AHIMA_CERTIFIED_CODERS = 'AHIMA_CERTIFIED_CODERS',
}
registerEnumType(Certification, {
  name: 'Certification',
  description: 'Compliance certifications and attestations.',
  valuesConfig: {
    HIPAA_BAA: { description: 'A HIPAA business associate agreement template is on file.' },
    SOC2_TYPE_II: { description: 'SOC 2 Type II report.' },
    HITRUST: { description: 'HITRUST CSF certification.' },
    ISO_27001: { description: 'ISO/IEC 27001 certification.' },
    PCI_DSS: { description: 'PCI DSS compliance for card payments.' },
    URAC: { description: 'URAC accreditation.' },
    AHIMA_CERTIFIED_CODERS: { description: 'Coding staff certified by AHIMA or AAPC.' },
  },
});

/**
 * A health system, hospital, practice or regional network. Any organization may sell and buy;
 * a network's members point at it through `networkId`.
 */
@ObjectType({
  simpleResolvers: true,
  description: 'A health system, hospital, practice or regional network; any organization may sell and buy.',
})
@Entity({ tableName: 'organization' })
export class Organization extends BaseEntity {
  @Field({ description: 'Legal or trading name.' })
  @Property({ type: 'text' })
  name: string;

  @Field(() => OrganizationKind, { description: 'Kind of organization.' })
  @Enum({ items: () => OrganizationKind })
  kind: OrganizationKind;

  @Field({ description: 'Home state, e.g. `US-OH`.' })
  @Property({ type: 'text' })
  stateCode: string;

  @Property({ type: 'text' })
  ehrPlatformCode: string;

  @Field(() => String, {
    nullable: true,
    description: 'EHR product or version, e.g. `Expanse 2.2` or `Community Connect`.',
  })
  @Property({ type: 'text', nullable: true })
  ehrProduct: string | null = null;

  @Field(() => Int, { nullable: true, description: 'Licensed beds (null for practices and networks).' })
  @Property({ type: 'integer', nullable: true })
  beds: number | null = null;

  @Field(() => [Certification], { description: 'Certifications held.' })
  @Property({ type: ArrayType })
  certifications: Certification[] = [];

  /** The regional network this organization belongs to, if any. */
  @ManyToOne(() => Organization, { mapToPk: true, nullable: true, fieldName: 'network_id' })
  networkId: string | null = null;

  /** Ordered selling phases (see phase-policy.ts); every provider starts on the default policy. */
  @Property({ type: 'json' })
  phasePolicy: PhaseDefinition[] = DEFAULT_PHASE_POLICY.map((p) => ({ ...p }));

  /** Index into `phasePolicy` of the phase in force. */
  @Property({ type: 'smallint' })
  currentPhase = 0;

  @Property({ type: 'timestamptz' })
  phaseEnteredAt: Date = new Date();

  /** A loosening of the policy asked for by the provider, waiting for the operator's approval. */
  @Property({ type: 'json', nullable: true })
  pendingPhasePolicy: PhaseDefinition[] | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  pendingPhasePolicyAt: Date | null = null;

  constructor(init: { name: string; kind: OrganizationKind; stateCode: string; ehrPlatformCode: string }) {
    super();
    this.name = init.name;
    this.kind = init.kind;
    this.stateCode = init.stateCode;
    this.ehrPlatformCode = init.ehrPlatformCode;
  }
}
