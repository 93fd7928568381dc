// Shapes of the demo network's data (seeds/demo-network.data.ts), consumed by DemoSeeder.
export type OrgKind = 'HEALTH_SYSTEM' | 'HOSPITAL' | 'PRACTICE' | 'NETWORK';
export type Cert =
  | 'HIPAA_BAA'
  | 'SOC2_TYPE_II'
  | 'HITRUST'
  | 'ISO_27001'
  | 'PCI_DSS'
  | 'URAC'
  | 'AHIMA_CERTIFIED_CODERS';

export interface DemoOrganization {
  /** Short stable handle used to refer to it within the seed data, e.g. `lakeshore`. */
  handle: string;
  name: string;
  kind: OrgKind;
  stateCode: string; // US-XX
  ehrPlatformCode: string; // EPIC, ORACLE_HEALTH, MEDITECH_EXPANSE, ...
  ehrProduct?: string;
  beds?: number;
  certifications: Cert[];
  /** Handle of the NETWORK organization it belongs to. */
  network?: string;
}

export interface DemoOffering {
  provider: string; // organization handle
  categoryCode: string;
  title: string;
  description: string;
  status: 'DRAFT' | 'PUBLISHED' | 'PAUSED';
  ehrPlatformCodes: string[];
  regionCodes: string[]; // US-XX, HHS-N, NATIONWIDE
  currency: 'USD';
  unitPrice: string; // up to 4 decimals
  setupFee: string; // 2 decimals
  monthlyMinimum: string; // 2 decimals
  tiers: { fromUnits: number; unitPrice: string }[];
  slaTargets: { metric: string; target: number; unit: string; direction: 'AT_LEAST' | 'AT_MOST' }[];
  coverageHours: 'BUSINESS_HOURS' | 'EXTENDED' | 'AROUND_THE_CLOCK';
  languages: string[];
  certifications: Cert[];
  /** Typical total monthly capacity in units, used to generate the capacity book. */
  monthlyCapacity: number;
  /** Months of notice to terminate without cause (default 1). */
  terminationNoticeMonths?: number;
}
