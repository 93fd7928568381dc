// The demo network: fictional providers, buyers and networks with their offerings and demo API keys.
import type { EntityManager } from '@mikro-orm/core';
import { Seeder } from '@mikro-orm/seeder';
import { Organization, OrganizationKind, type Certification } from '../src/organizations/organization.entity';
import { Offering, type CoverageHours, type OfferingStatus, type SlaDirection } from '../src/catalog/offering.entity';
import { keyWithSecret } from '../src/auth/api-key.service';
import type { Role } from '../src/auth/api-key.entity';
import { DEMO_OFFERINGS, DEMO_ORGANIZATIONS } from './demo-network.data';
import { DEMO_KEYS } from './demo-keys';

export class DemoSeeder extends Seeder {
  async run(em: EntityManager): Promise<void> {
    const byHandle = new Map<string, Organization>();
    for (const d of DEMO_ORGANIZATIONS) {
      const org = new Organization({ name: d.name, kind: d.kind as OrganizationKind, stateCode: d.stateCode, ehrPlatformCode: d.ehrPlatformCode });
      org.ehrProduct = d.ehrProduct ?? null;
      org.beds = d.beds ?? null;
      org.certifications = d.certifications as Certification[];
      org.networkId = d.network ? byHandle.get(d.network)!.id : null;
      byHandle.set(d.handle, org);
      em.persist(org);
    }
    for (const d of DEMO_OFFERINGS) {
      const o = new Offering({ providerId: byHandle.get(d.provider)!.id, categoryCode: d.categoryCode, title: d.title, unitPrice: d.unitPrice });
      o.description = d.description;
      o.status = d.status as OfferingStatus;
      o.ehrPlatformCodes = d.ehrPlatformCodes;
      o.regionCodes = d.regionCodes;
      o.currency = d.currency;
      o.setupFee = d.setupFee;
      o.monthlyMinimum = d.monthlyMinimum;
      o.priceTiers = d.tiers;
      o.slaTargets = d.slaTargets.map((t) => ({ ...t, direction: t.direction as SlaDirection }));
      o.coverageHours = d.coverageHours as CoverageHours;
      o.languages = d.languages;
      o.certifications = d.certifications as Certification[];
      em.persist(o);
    }
    const first = (kind: OrganizationKind, pred: (o: Organization) => boolean = () => true) =>
      [...byHandle.values()].find((o) => o.kind === kind && pred(o))!;
    const orgFor = {
      provider: first(OrganizationKind.HEALTH_SYSTEM),
      buyer: first(OrganizationKind.HOSPITAL, (o) => !!o.networkId),
      network: first(OrganizationKind.NETWORK),
    };
    for (const k of DEMO_KEYS) {
      em.persist(keyWithSecret(k.org ? orgFor[k.org].id : null, k.role as Role, k.label, k.secret));
    }
    await em.flush();
  }
}

/** Demo keys with the organizations they belong to, for the start-up banner. */
export async function demoKeyBanner(em: EntityManager): Promise<string[]> {
  const rows: { label: string; role: string; name: string | null }[] = await em.getConnection().execute(
    `select k.label, k.role, o.name from api_key k left join organization o on o.id = k.organization_id
      where k.label like 'demo %' and k.revoked_at is null order by k.created_at, k.label`,
  );
  return rows.map((r) => {
    const key = DEMO_KEYS.find((k) => k.label === r.label);
    return key ? `  ${r.role.padEnd(12)} ${key.secret.padEnd(30)} ${r.name ?? '(network operator)'}` : '';
  }).filter(Boolean);
}
