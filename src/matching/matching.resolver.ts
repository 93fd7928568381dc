import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import { Match, MatchInput } from './matching.types';
import { DEFAULT_MATCHES, findMatches, matchesForNeed, requestFromInput } from './matching.service';
import { Offering } from '../catalog/offering.entity';
import { Organization } from '../organizations/organization.entity';
import type { Context } from '../access/context';

@Resolver(() => Match)
export class MatchResolver {
  @Query(() => [Match], { description: 'Ranked, explained offerings for a need (best first; ties by offering id).' })
  matches(
    @Arg('needId', () => ID, { description: 'The need.' }) needId: string,
    @Arg('first', () => Int, { defaultValue: DEFAULT_MATCHES, description: 'How many (1-100).' }) first: number,
    @Arg('includePartial', { defaultValue: false, description: 'Also offerings short in some months, flagged.' })
    includePartial: boolean,
    @Ctx() ctx: Context,
  ) {
    return matchesForNeed(ctx, needId, first, includePartial);
  }

  @Query(() => [Match], {
    description: 'Ad-hoc search with the same filters and ranking as `matches`; nothing is stored.',
  })
  matchOffers(
    @Arg('input', () => MatchInput) input: MatchInput,
    @Arg('first', () => Int, { defaultValue: DEFAULT_MATCHES, description: 'How many (1-100).' }) first: number,
    @Ctx() ctx: Context,
  ) {
    return findMatches(ctx, requestFromInput(input), first);
  }

  @FieldResolver(() => Offering, { description: 'The matched offering.' })
  offering(@Root() m: Match, @Ctx() ctx: Context) {
    return ctx.loaders.offeringById.load(m.offeringId);
  }

  @FieldResolver(() => Organization, { description: 'Its provider.' })
  provider(@Root() m: Match, @Ctx() ctx: Context) {
    return ctx.loaders.organizationById.load(m.providerId);
  }
}
