// Who is calling: the API key's role and organization, and the access rules that follow from it.
import { Field, ID, ObjectType } from 'type-graphql';
import { Role } from './api-key.entity';
import { forbidden } from '../shared/errors';

@ObjectType({ simpleResolvers: true, description: 'The caller: the API key in use, its role and organization.' })
export class Viewer {
  @Field(() => ID, { description: 'Id of the API key in use.' })
  apiKeyId: string;

  @Field(() => Role, { description: 'Role of the key.' })
  role: Role;

  /** Null for OPERATOR keys. */
  organizationId: string | null;

  /** For INTEGRATION keys of a network: the member organizations it may act for. */
  memberIds: string[];

  constructor(apiKeyId: string, role: Role, organizationId: string | null, memberIds: string[] = []) {
    this.apiKeyId = apiKeyId;
    this.role = role;
    this.organizationId = organizationId;
    this.memberIds = memberIds;
  }

  get isOperator() {
    return this.role === Role.OPERATOR;
  }

  /** Organizations whose private data this key may read (empty for the operator, who reads all). */
  get partyIds(): string[] {
    return this.organizationId ? [this.organizationId, ...this.memberIds] : [];
  }

  /**
   * Organizations whose selling side (drafts, capacity books, phase policy, quotes as provider) this key
   * may read: its own only. A network's INTEGRATION key acts as buyer for its members, not as their seller.
   */
  get sellerIds(): string[] {
    return this.organizationId ? [this.organizationId] : [];
  }

  /** Whether the key may read the selling side of any of these organizations. */
  isSellerOf(...orgIds: (string | null | undefined)[]): boolean {
    return this.isOperator || orgIds.some((id) => !!id && id === this.organizationId);
  }

  /** Whether the key may read what belongs to any of these organizations (as buyer side or own). */
  isPartyOf(...orgIds: (string | null | undefined)[]): boolean {
    return this.isOperator || orgIds.some((id) => !!id && this.partyIds.includes(id));
  }
}

/** Selling and administering: the operator, or an ADMIN of that organization. */
export function assertAdminOf(viewer: Viewer, orgId: string): void {
  if (viewer.isOperator) return;
  if (viewer.role === Role.ADMIN && viewer.organizationId === orgId) return;
  throw forbidden(viewer.role === Role.SALES ? 'SALES keys are read-only.' : 'This API key may not act for that organization.');
}

/** Buying: the operator, an ADMIN of that organization, or an INTEGRATION key of it or of its network. */
export function assertBuyerSide(viewer: Viewer, orgId: string): void {
  if (viewer.isOperator) return;
  if (viewer.role === Role.ADMIN && viewer.organizationId === orgId) return;
  if (viewer.role === Role.INTEGRATION && viewer.partyIds.includes(orgId)) return;
  throw forbidden(viewer.role === Role.SALES ? 'SALES keys are read-only.' : 'This API key may not act for that organization.');
}
