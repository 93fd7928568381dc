// Mutation payloads: the changed object (named after its type) plus userErrors.
import { ClassType, Field, ObjectType } from 'type-graphql';
import { UserError, UserErrors } from './errors';
import { retryOnConflict } from './retry';

export interface PayloadShape<T> {
  object: T | null;
  userErrors: UserError[];
}

/** Builds `<Name>Payload { <field>: T, userErrors: [UserError!]! }`. */
export function Payload<T extends object>(name: string, field: string, type: ClassType<T>) {
  @ObjectType(`${name}Payload`, { description: `Result of \`${name[0].toLowerCase() + name.slice(1)}\`.` })
  class PayloadType implements PayloadShape<T> {
    @Field(() => type, {
      name: field,
      nullable: true,
      description: `The ${type.name}; null when userErrors is not empty.`,
    })
    object!: T | null;

    @Field(() => [UserError], { description: 'Business-rule failures; empty on success.' })
    userErrors!: UserError[];
  }
  return PayloadType;
}

/**
 * Runs a mutation's unit of work and turns thrown UserErrors into a payload with nothing changed. A
 * deadlock or serialization failure rolled everything back: the work runs again (shared/retry.ts).
 */
export async function toPayload<T, R = { object: T | null; userErrors: UserError[] }>(
  work: () => Promise<T>,
  shape: (result: T | null, userErrors: UserError[]) => R = (object, userErrors) => ({ object, userErrors }) as R,
): Promise<R> {
  try {
    return shape(await retryOnConflict(work), []);
  } catch (e) {
    if (e instanceof UserErrors) return shape(null, e.errors);
    throw e;
  }
}
