import { ArrayMaxSize, IsOptional, Length, Max, MaxLength, Min } from 'class-validator';
import { Field, ID, InputType, Int } from 'type-graphql';
import { Certification, OrganizationKind } from './organization.entity';
import { Connection } from '../shared/connection';
import { Payload } from '../shared/payload';
import { Organization } from './organization.entity';

@InputType({ description: 'Filters for `organizations`; all given filters must hold.' })
export class OrganizationFilter {
  @Field(() => OrganizationKind, { nullable: true, description: 'Only this kind.' })
  kind?: OrganizationKind;

  @Field({ nullable: true, description: 'Home state, e.g. `US-OH`.' })
  @IsOptional()
  @MaxLength(20)
  stateCode?: string;

  @Field({ nullable: true, description: 'EHR platform code, e.g. `EPIC`.' })
  @IsOptional()
  @MaxLength(40)
  ehrPlatformCode?: string;

  @Field({ nullable: true, description: 'Case-insensitive part of the name.' })
  @IsOptional()
  @MaxLength(100)
  search?: string;

  @Field(() => ID, { nullable: true, description: 'Only members of this network.' })
  @IsOptional()
  networkId?: string;
}

@InputType({ description: 'A new organization (operator only).' })
export class CreateOrganizationInput {
  @Field({ description: 'Name, unique across the network (1-200 characters).' })
  @Length(1, 200)
  name!: string;

  @Field(() => OrganizationKind, { description: 'Kind of organization.' })
  kind!: OrganizationKind;

  @Field({ description: 'Home state, e.g. `US-OH`.' })
  @MaxLength(20)
  stateCode!: string;

  @Field({ description: 'EHR platform code, e.g. `MEDITECH_EXPANSE`.' })
  @MaxLength(40)
  ehrPlatformCode!: string;

  @Field(() => String, { nullable: true, description: 'EHR product or version (up to 100 characters).' })
  @IsOptional()
  @MaxLength(100)
  ehrProduct?: string | null;

  @Field(() => Int, { nullable: true, description: 'Licensed beds.' })
  @IsOptional()
  @Min(0)
  @Max(100_000)
  beds?: number | null;

  @Field(() => [Certification], { nullable: true, description: 'Certifications held.' })
  @IsOptional()
  @ArrayMaxSize(20)
  certifications?: Certification[];

  @Field(() => ID, {
    nullable: true,
    description: 'The regional network (an organization of kind NETWORK) it belongs to.',
  })
  @IsOptional()
  networkId?: string | null;

  @Field(() => String, { nullable: true, description: 'Retry key: the same key and input return the first result.' })
  @IsOptional()
  @Length(1, 200)
  idempotencyKey?: string | null;
}

@InputType({ description: 'Changes to an organization; omitted fields stay as they are.' })
export class UpdateOrganizationInput {
  @Field(() => ID, { description: 'The organization to change.' })
  id!: string;

  @Field({ nullable: true, description: 'New name (1-200 characters).' })
  @IsOptional()
  @Length(1, 200)
  name?: string;

  @Field(() => OrganizationKind, { nullable: true, description: 'New kind.' })
  @IsOptional()
  kind?: OrganizationKind;

  @Field({ nullable: true, description: 'New home state.' })
  @IsOptional()
  @MaxLength(20)
  stateCode?: string;

  @Field({ nullable: true, description: 'New EHR platform code.' })
  @IsOptional()
  @MaxLength(40)
  ehrPlatformCode?: string;

  @Field(() => String, { nullable: true, description: 'New EHR product or version.' })
  @IsOptional()
  @MaxLength(100)
  ehrProduct?: string | null;

  @Field(() => Int, { nullable: true, description: 'New bed count.' })
  @IsOptional()
  @Min(0)
  @Max(100_000)
  beds?: number | null;

  @Field(() => [Certification], { nullable: true, description: 'New certification list (replaces the old one).' })
  @IsOptional()
  @ArrayMaxSize(20)
  certifications?: Certification[];

  @Field(() => ID, { nullable: true, description: 'New network (operator only); null leaves the network.' })
  @IsOptional()
  networkId?: string | null;
}

export const OrganizationConnection = Connection(Organization);
export const CreateOrganizationPayload = Payload('CreateOrganization', 'organization', Organization);
export const UpdateOrganizationPayload = Payload('UpdateOrganization', 'organization', Organization);
