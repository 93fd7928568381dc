import { Arg, Args, Ctx, ID, Query, Resolver } from 'type-graphql';
import { AuditEvent } from './audit-event.entity';
import { auditTrail } from './audit.service';
import type { Context } from '../access/context';
import { Connection, PageArgs, toConnection, toPage } from '../shared/connection';
import { badInput } from '../shared/errors';
import { isUuid } from '../shared/ids';

const AuditEventConnection = Connection(AuditEvent);

@Resolver(() => AuditEvent)
export class AuditResolver {
  @Query(() => AuditEventConnection, {
    description:
      'Recorded changes, newest first: all for the operator, those of your organization’s objects otherwise.',
  })
  async auditTrail(
    @Arg('entityId', () => ID, { nullable: true, description: 'Only changes of this object.' }) entityId:
      | string
      | undefined,
    @Args() args: PageArgs,
    @Ctx() ctx: Context,
  ) {
    if (entityId && !isUuid(entityId)) throw badInput('entityId must be a UUID.', 'entityId');
    const page = toPage(args);
    return toConnection(await auditTrail(ctx, entityId, page), page);
  }
}
