// Organizations: listing with filters, creation by the operator, updates by their ADMIN.
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Organization, OrganizationKind } from './organization.entity';
import type { CreateOrganizationInput, OrganizationFilter, UpdateOrganizationInput } from './organization.types';
import type { Context } from '../access/context';
import { emptyPage, type Page } from '../shared/connection';
import { idempotent } from '../shared/idempotency';
import { findPage } from '../db/read-model';
import { forbidden, notFound, refuse, UserErrorCode } from '../shared/errors';
import { InputChecks, uniq } from '../shared/validation';
import { ehrPlatform, isState } from '../reference/reference.service';
import { assertAdminOf } from '../access/viewer';
import { diff, recordAudit } from '../audit/audit.service';
import { isUuid } from '../shared/ids';

const snapshot = (o: Organization) => ({
  name: o.name,
  kind: o.kind,
  stateCode: o.stateCode,
  ehrPlatformCode: o.ehrPlatformCode,
  ehrProduct: o.ehrProduct,
  beds: o.beds,
  certifications: o.certifications,
  networkId: o.networkId,
});

export async function listOrganizations(ctx: Context, filter: OrganizationFilter | undefined, page: Page) {
  const where: Record<string, unknown> = {};
  if (filter?.kind) where.kind = filter.kind;
  if (filter?.stateCode) where.stateCode = filter.stateCode;
  if (filter?.ehrPlatformCode) where.ehrPlatformCode = filter.ehrPlatformCode;
  if (filter?.networkId) {
    if (!isUuid(filter.networkId)) return emptyPage();
    where.networkId = filter.networkId;
  }
  if (filter?.search?.trim()) where.name = { $ilike: `%${filter.search.trim().replace(/[\\%_]/g, (c) => '\\' + c)}%` };
  return findPage(ctx.em, Organization, where, { name: 'asc', id: 'asc' }, page);
}

async function checkInput(em: EntityManager, input: Partial<CreateOrganizationInput>, selfId?: string) {
  const checks = new InputChecks()
    .check(input.name == null || input.name.trim().length > 0, 'input.name', 'name must not be empty.')
    .check(
      input.stateCode === undefined || isState(input.stateCode),
      'input.stateCode',
      'stateCode must be a state code such as US-OH.',
    )
    .known(
      input.ehrPlatformCode != null ? [input.ehrPlatformCode] : [],
      'input.ehrPlatformCode',
      ehrPlatform,
      'EHR platform',
    );
  if (input.networkId != null) {
    // An empty string is a (wrong) id too, not "no network": null leaves the network.
    const network = isUuid(input.networkId) ? await em.findOne(Organization, input.networkId) : null;
    checks.check(
      !!network && network.kind === OrganizationKind.NETWORK && network.id !== selfId,
      'input.networkId',
      'networkId must be an organization of kind NETWORK.',
    );
  }
  checks.done();
}

async function saveUnique(em: EntityManager, name: string) {
  try {
    await em.flush();
  } catch (e) {
    if (e instanceof UniqueConstraintViolationException)
      refuse(UserErrorCode.CONFLICT, `An organization named "${name}" already exists.`, 'input.name');
    throw e;
  }
}

export async function createOrganization(ctx: Context, input: CreateOrganizationInput): Promise<Organization> {
  if (!ctx.viewer.isOperator) throw forbidden('Only the network operator creates organizations.');
  return ctx.em.transactional((em) =>
    idempotent(
      ctx,
      em,
      'createOrganization',
      input,
      async () => {
        await checkInput(em, input);
        const org = new Organization({
          name: input.name.trim(),
          kind: input.kind,
          stateCode: input.stateCode,
          ehrPlatformCode: input.ehrPlatformCode,
        });
        org.ehrProduct = input.ehrProduct?.trim() || null;
        org.beds = input.beds ?? null;
        org.certifications = uniq(input.certifications ?? []);
        org.networkId = input.networkId ?? null;
        em.persist(org);
        recordAudit(ctx, em, {
          action: 'organization.created',
          entityType: 'Organization',
          entityId: org.id,
          partyIds: [org.id],
          after: snapshot(org),
        });
        await saveUnique(em, org.name);
        return { result: org, saved: { id: org.id } };
      },
      ({ id }) => em.findOneOrFail(Organization, id),
    ),
  );
}

export async function updateOrganization(ctx: Context, input: UpdateOrganizationInput): Promise<Organization> {
  const viewer = ctx.viewer;
  return ctx.em.transactional(async (em) => {
    const org = isUuid(input.id) ? await em.findOne(Organization, input.id) : null;
    if (!org) throw notFound('Organization');
    assertAdminOf(viewer, org.id);
    if (input.networkId !== undefined && input.networkId !== org.networkId && !viewer.isOperator) {
      throw forbidden('Only the network operator changes network membership.');
    }
    await checkInput(em, input, org.id);
    const before = snapshot(org);
    if (input.name != null) org.name = input.name.trim();
    if (input.kind) org.kind = input.kind;
    if (input.stateCode) org.stateCode = input.stateCode;
    if (input.ehrPlatformCode) org.ehrPlatformCode = input.ehrPlatformCode;
    if (input.ehrProduct !== undefined) org.ehrProduct = input.ehrProduct?.trim() || null;
    if (input.beds !== undefined) org.beds = input.beds;
    if (input.certifications) org.certifications = uniq(input.certifications);
    if (input.networkId !== undefined) org.networkId = input.networkId;
    recordAudit(ctx, em, {
      action: 'organization.updated',
      entityType: 'Organization',
      entityId: org.id,
      partyIds: [org.id],
      ...diff(before, snapshot(org)),
    });
    await saveUnique(em, org.name);
    return org;
  });
}
