import type { AuthChecker } from 'type-graphql';
import type { Context } from './context';
import { forbidden, unauthenticated } from '../shared/errors';
import type { Role } from './role';

/** `@Authorized()` needs a key; `@Authorized(roles)` needs one of those roles. */
export const authChecker: AuthChecker<Context, Role> = ({ context }, roles) => {
  if (!context.viewer) throw unauthenticated();
  if (roles.length && !roles.includes(context.viewer.role)) {
    throw forbidden(
      context.viewer.role === 'SALES'
        ? 'SALES keys are read-only.'
        : `This operation needs a ${roles.join(' or ')} key.`,
    );
  }
  return true;
};

/** Roles that may write (SALES keys are read-only). */
export const WRITERS: Role[] = ['OPERATOR', 'ADMIN', 'INTEGRATION'] as Role[];
export const SELLERS: Role[] = ['OPERATOR', 'ADMIN'] as Role[];
