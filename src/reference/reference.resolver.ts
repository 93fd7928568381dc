import { Arg, Query, Resolver } from 'type-graphql';
import { EhrPlatform, Region, RegionKind, ServiceCategory } from './reference.types';
import { ehrPlatforms, regions, serviceCategories } from './reference.service';

@Resolver()
export class ReferenceResolver {
  @Query(() => [EhrPlatform], { description: 'EHR platforms known to the exchange.' })
  ehrPlatforms(): EhrPlatform[] {
    return ehrPlatforms;
  }

  @Query(() => [Region], { description: 'States (`US-XX`), HHS regions (`HHS-1`..`HHS-10`) and `NATIONWIDE`.' })
  regions(
    @Arg('kind', () => RegionKind, { nullable: true, description: 'Only this kind.' }) kind?: RegionKind,
  ): Region[] {
    return kind ? regions.filter((r) => r.kind === kind) : regions;
  }

  @Query(() => [ServiceCategory], { description: 'Service categories with their unit of measure.' })
  serviceCategories(): ServiceCategory[] {
    return serviceCategories;
  }
}
