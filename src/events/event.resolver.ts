import { Arg, Authorized, Resolver, Root, Subscription } from 'type-graphql';
import { EngagementEvent, NeedEvent, QuoteEvent } from './event.types';
import { engagementEvents, needEvents, quoteEvents, type LiveContext, type NeedEventFilter } from './event.service';

/** Subscriptions run over WebSocket (graphql-ws) at /graphql; see docs/integrations.md. */
@Resolver()
export class EventResolver {
  @Authorized()
  @Subscription(() => QuoteEvent, {
    description:
      'Changes to quotes you are a party to (issued, revised, accepted, declined, expired, withdrawn, superseded), as they happen.',
    subscribe: ({ context }) => quoteEvents(context as LiveContext),
  })
  quoteEvents(@Root() event: QuoteEvent): QuoteEvent {
    return event;
  }

  @Authorized()
  @Subscription(() => EngagementEvent, {
    description:
      'Changes to engagements you are a party to (created, BAA signed, report recorded, phase advanced, terminated, completed), as they happen.',
    subscribe: ({ context }) => engagementEvents(context as LiveContext),
  })
  engagementEvents(@Root() event: EngagementEvent): EngagementEvent {
    return event;
  }

  @Authorized()
  @Subscription(() => NeedEvent, {
    description:
      'New open needs in the chosen service categories and regions, as buyers post them: open demand for sellers.',
    subscribe: ({ context, args }) => needEvents(context as LiveContext, args as NeedEventFilter),
  })
  needEvents(
    @Root() event: NeedEvent,
    @Arg('categoryCodes', () => [String], {
      nullable: true,
      description: 'Service category codes; omitted or empty means every category.',
    })
    _categoryCodes?: string[] | null,
    @Arg('regionCodes', () => [String], {
      nullable: true,
      description:
        'Region codes; a need matches when it is located in one of them (a need in US-OH matches US-OH, HHS-5 and NATIONWIDE). Omitted or empty means everywhere.',
    })
    _regionCodes?: string[] | null,
  ): NeedEvent {
    return event;
  }
}
