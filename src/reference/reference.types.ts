import { Field, ObjectType, registerEnumType } from 'type-graphql';

export enum RegionKind {
  STATE = 'STATE',
  HHS_REGION = 'HHS_REGION',
  NATIONWIDE = 'NATIONWIDE',
}
registerEnumType(RegionKind, { name: 'RegionKind', description: 'Granularity of a region.' });

@ObjectType({ simpleResolvers: true, description: 'An EHR platform an organization runs or an offering supports.' })
export class EhrPlatform {
  @Field({ description: 'Stable code, e.g. `EPIC`, `MEDITECH_EXPANSE`.' })
  code!: string;

  @Field({ description: 'Display name.' })
  name!: string;

  @Field({ description: 'Vendor of the platform.' })
  vendor!: string;
}

@ObjectType({ simpleResolvers: true, description: 'A US state (`US-OH`), an HHS region (`HHS-5`) or `NATIONWIDE`.' })
export class Region {
  @Field({ description: 'Stable code.' })
  code!: string;

  @Field({ description: 'Display name.' })
  name!: string;

  @Field(() => RegionKind, { description: 'STATE, HHS_REGION or NATIONWIDE.' })
  kind!: RegionKind;

  @Field(() => [String], {
    description: 'State codes the region contains (a state lists itself; NATIONWIDE lists all).',
  })
  states!: string[];

  @Field(() => String, { nullable: true, description: 'For a state, the code of its HHS region.' })
  hhsRegion!: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'A back-office service category with its unit of measure.' })
export class ServiceCategory {
  @Field({ description: 'Stable code, e.g. `REVENUE_CYCLE`.' })
  code!: string;

  @Field({ description: 'Display name.' })
  name!: string;

  @Field({ description: 'Unit that capacity and volumes count, per month (e.g. `claims`).' })
  unit!: string;

  @Field({ description: 'Whether the service touches protected health information (a signed BAA is required).' })
  touchesPhi!: boolean;
}
