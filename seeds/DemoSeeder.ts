// The demo network: fictional providers, buyers and networks with their offerings and demo API keys.
import type { EntityManager } from '@mikro-orm/core';
import { Seeder } from '@mikro-orm/seeder';
import { Organization, OrganizationKind, type Certification } from '../src/organizations/organization.entity';
import { Offering, type CoverageHours, type OfferingStatus, type SlaDirection } from '../src/catalog/offering.entity';
import { keyWithSecret } from '../src/auth/api-key.service';
import type { Role } from '../src/access/role';
import { DEMO_OFFERINGS, DEMO_ORGANIZATIONS } from './demo-network.data';
import { DEMO_KEYS } from './demo-keys';
import { addMonths, currentMonth } from '../src/shared/month';
import { sellableUnits } from '../src/organizations/phase-policy';
import { seedDemoTrading } from './demo-trading';

export class DemoSeeder extends Seeder {
  async run(em: EntityManager): Promise<void> {
    const byHandle = new Map<string, Organization>();
    for (const d of DEMO_ORGANIZATIONS) {
      const org = new Organization({
        name: d.name,
        kind: d.kind as OrganizationKind,
        stateCode: d.stateCode,
        ehrPlatformCode: d.ehrPlatformCode,
      });
      org.ehrProduct = d.ehrProduct ?? null;
      org.beds = d.beds ?? null;
      org.certifications = d.certifications as Certification[];
      org.networkId = d.network ? byHandle.get(d.network)!.id : null;
      byHandle.set(d.handle, org);
      em.persist(org);
    }
    // A mix of phases: most providers still piloting, some expanding, a few at scale.
    const providers = [...byHandle.values()].filter((o) => o.kind === OrganizationKind.HEALTH_SYSTEM);
    providers.forEach((p, i) => {
      p.currentPhase = i % 4 === 3 ? 2 : i % 3 === 1 ? 1 : 0;
      p.phaseEnteredAt = new Date(Date.now() - (3 + (i % 7)) * 30 * 86_400_000);
    });
    await em.flush();
    const capacity: { offeringId: string; month: string; total: number; sellable: number }[] = [];
    for (const d of DEMO_OFFERINGS) {
      const o = new Offering({
        providerId: byHandle.get(d.provider)!.id,
        categoryCode: d.categoryCode,
        title: d.title,
        unitPrice: d.unitPrice,
      });
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
      o.terminationNoticeMonths = d.terminationNoticeMonths ?? 1;
      em.persist(o);
      const provider = byHandle.get(d.provider)!;
      const share = provider.phasePolicy[provider.currentPhase].maxExternalShare;
      // From 8 months back (the history of the demo's engagements) to 2 years ahead.
      for (let m = -8; m < 24; m++) {
        // Seasonal swing of +-10% and a slow ramp of the provider's own capacity.
        const total = Math.round(d.monthlyCapacity * (1 + 0.1 * Math.sin((m / 12) * 2 * Math.PI) + 0.005 * m));
        capacity.push({
          offeringId: o.id,
          month: addMonths(currentMonth(), m),
          total,
          sellable: sellableUnits(total, share),
        });
      }
    }
    await em.flush();
    await em.getConnection().execute(
      `insert into capacity_month (offering_id, month, total_units, sellable_units)
       select o, (m || '-01')::date, t, s from jsonb_to_recordset(?::jsonb) as x(o uuid, m text, t int, s int)`,
      [JSON.stringify(capacity.map((c) => ({ o: c.offeringId, m: c.month, t: c.total, s: c.sellable })))],
    );
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
    await seedDemoTrading(em);
  }
}

/** Demo keys with the organizations they belong to, for the start-up banner. */
export async function demoKeyBanner(em: EntityManager): Promise<string[]> {
  const rows: { label: string; role: string; name: string | null }[] = await em.getConnection().execute(
    `select k.label, k.role, o.name from api_key k left join organization o on o.id = k.organization_id
      where k.label like 'demo %' and k.revoked_at is null order by k.created_at, k.label`,
  );
  return rows
    .map((r) => {
      const key = DEMO_KEYS.find((k) => k.label === r.label);
      return key ? `  ${r.role.padEnd(12)} ${key.secret.padEnd(30)} ${r.name ?? '(network operator)'}` : '';
    })
    .filter(Boolean);
}
