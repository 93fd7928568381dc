// Who is calling: the API key's role and organization, and the access rules that follow from it.
import { Field, ID, ObjectType } from 'type-graphql';
import { Role } from './role';
import { forbidden } from '../shared/errors';
import { buyingSideIds, readsBuyingSide, readsOwn, sellingSideIds, type Reader } from './visibility';

@ObjectType({ simpleResolvers: true, description: 'The caller: the API key in use, its role and organization.' })
export class Viewer implements Reader {
  @Field(() => ID, { description: 'Id of the API key in use.' })
  apiKeyId: string;

  @Field(() => Role, { description: 'Role of the key.' })
  role: Role;

  /** Null for OPERATOR keys. */
  organizationId: string | null;

  /** For keys of a network: its member organizations (whose buying side it reads; INTEGRATION keys also act for them). */
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

  /** Organizations whose buying side this key reads: its own and, for a network, its members (empty for the operator, who reads all). */
  get partyIds(): string[] {
    return buyingSideIds(this);
  }

  /** Organizations whose selling side (drafts, capacity books, phase policy, quotes as provider) this key reads: its own only. */
  get sellerIds(): string[] {
    return sellingSideIds(this);
  }

  /** Whether the key reads the selling side (and everything private) of any of these organizations. */
  isSellerOf(...orgIds: (string | null | undefined)[]): boolean {
    return this.isOperator || orgIds.some((id) => readsOwn(this, id));
  }

  /** Whether the key reads the buying side of any of these organizations. */
  isPartyOf(...orgIds: (string | null | undefined)[]): boolean {
    return this.isOperator || orgIds.some((id) => readsBuyingSide(this, id));
  }
}

/** Selling and administering: the operator, or an ADMIN of that organization. */
export function assertAdminOf(viewer: Viewer, orgId: string): void {
  if (viewer.isOperator) return;
  if (viewer.role === Role.ADMIN && viewer.organizationId === orgId) return;
  throw forbidden(
    viewer.role === Role.SALES ? 'SALES keys are read-only.' : 'This API key may not act for that organization.',
  );
}

/** Organizations an ADMIN-level action may act for, as `assertAdminOf` decides (null: any, for the operator); for SQL that locks only rows the caller may act on. */
export function adminOrgIds(viewer: Viewer): string[] | null {
  if (viewer.isOperator) return null;
  return viewer.role === Role.ADMIN && viewer.organizationId ? [viewer.organizationId] : [];
}

/** Organizations the caller may act for as buyer, as `assertBuyerSide` decides (null: any, for the operator). */
export function buyerSideOrgIds(viewer: Viewer): string[] | null {
  if (viewer.isOperator) return null;
  if (viewer.role === Role.ADMIN && viewer.organizationId) return [viewer.organizationId];
  if (viewer.role === Role.INTEGRATION) return viewer.partyIds;
  return [];
}

/** Buying: the operator, an ADMIN of that organization, or an INTEGRATION key of it or of its network. */
export function assertBuyerSide(viewer: Viewer, orgId: string): void {
  if (viewer.isOperator) return;
  if (viewer.role === Role.ADMIN && viewer.organizationId === orgId) return;
  if (viewer.role === Role.INTEGRATION && viewer.partyIds.includes(orgId)) return;
  throw forbidden(
    viewer.role === Role.SALES ? 'SALES keys are read-only.' : 'This API key may not act for that organization.',
  );
}
