// The demo network's marketplace: open needs with competing quotes, quotes in every status, and
// engagements in every status and phase with their monthly performance history.
//
// Everything goes through the real domain services with the demo operator's key, so every rule
// applies (capacity and phase limits, BAA, phase gates) and every change is audited. The only
// exceptions: needs that began in the past are inserted directly (createNeed refuses past start
// months), and timestamps of that history (posted, issued, accepted, phase changes, reports) are
// moved back to when they would have happened. Deterministic: months are relative to the current
// one and delivered values come from a seeded PRNG. No patient information anywhere.
import type { EntityManager as CoreEntityManager } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { randomBytes } from 'node:crypto';
import pino, { type Logger } from 'pino';
import { DEMO_ORGANIZATIONS } from './demo-network.data';
import { ApiKey } from '../src/auth/api-key.entity';
import { Role } from '../src/access/role';
import { keyWithSecret } from '../src/auth/api-key.service';
import { setPhasePolicy } from '../src/capacity/capacity.service';
import { Viewer } from '../src/access/viewer';
import type { Context } from '../src/access/context';
import { createLoaders } from '../src/app/context';
import { UserErrors } from '../src/shared/errors';
import { addMonths, currentMonth, monthsBetween, monthStart } from '../src/shared/month';
import { Organization, Certification } from '../src/organizations/organization.entity';
import { CoverageHours, Offering, OfferingStatus, SlaDirection, type SlaTarget } from '../src/catalog/offering.entity';
import { Need } from '../src/needs/need.entity';
import { cancelNeed, createNeed } from '../src/needs/need.service';
import type { Quote } from '../src/quotes/quote.entity';
import { EngagementPhase } from '../src/capacity/engagement-phase';
import { declineQuote, issueQuote, reviseQuote, withdrawQuote } from '../src/quotes/quote.service';
import { acceptQuote } from '../src/engagements/accept-quote';
import { expireLapsedQuotes } from '../src/quotes/quote.ledger';
import { Engagement, PHASE_ORDER, TaskOwner } from '../src/engagements/engagement.entity';
import {
  advanceEngagementPhase,
  completeEndedEngagements,
  confirmTaskBoundaries,
  disputePerformanceReport,
  recordPerformance,
  setTaskBoundaries,
  signBaa,
  terminateEngagement,
} from '../src/engagements/engagement.service';
import { serviceCategory } from '../src/reference/reference.service';
import { recordAudit } from '../src/audit/audit.service';
import { lockMonthsWithExpiredHolds } from '../src/capacity/capacity.locks';
import { releaseExpiredHolds } from '../src/capacity/ledger';

const DAY = 86_400_000;
const { PROVIDER, BUYER } = TaskOwner;

// -------------------------------------------------------------------------------------------------
// Offerings by title (every one PUBLISHED in demo-network.data.ts).
// -------------------------------------------------------------------------------------------------
const OFFERING = {
  lakeshoreRcm: 'Full-cycle revenue cycle management for community hospitals',
  lakeshoreCoding: 'Inpatient and outpatient coding by credentialed coders',
  lakeshoreEhrIt: 'Epic Community Connect service desk (24x7)',
  prairieRcm: 'Revenue cycle for critical access and rural hospitals',
  prairieEligibility: 'Pre-visit eligibility and benefits verification',
  prairieCcm: 'Chronic care management nurse program',
  brazosCallCenter: 'Bilingual 24x7 patient access center',
  brazosPriorAuth: 'Prior authorization for imaging, procedures and specialty drugs',
  brazosReminders: 'Multilingual appointment reminders by text and voice',
  redRiverAfterHours: 'After-hours answering with on-call relay',
  redRiverRecruitment: 'Nurse and allied health recruitment',
  chattahoocheeRcm: 'Southeast hospital revenue cycle outsourcing',
  chattahoocheeCoding: 'Professional fee and E/M coding',
  chattahoocheeCyber: '24x7 endpoint detection and response monitoring',
  ridgelineReferrals: 'Specialty referral coordination and closed-loop tracking',
  laurelCdi: 'Clinical documentation improvement program',
  laurelEhrIt: 'Epic end-user support and optimization',
  cascadeNighthawk: 'Overnight CT reads (nighthawk)',
  cascadeCallCenter: 'Multilingual patient access center',
  basaltEhrIt: 'MEDITECH Expanse and 6.x application support',
  northwoodsEligibility: 'Automated batch eligibility checks (270/271)',
  northwoodsReminders: 'Appointment reminders and waitlist backfill',
  northwoodsCcm: 'Chronic care management with remote monitoring',
  wabashPriorAuth: 'Prior authorization for imaging and outpatient surgery',
  wabashCoding: 'Emergency department and outpatient coding',
  longleafRcm: 'Revenue cycle for Altera and MEDHOST hospitals',
} as const;
type OfferingKey = keyof typeof OFFERING;

// -------------------------------------------------------------------------------------------------
// The plan. Months are offsets from the current month; volumes stay well below sellable capacity
// (floor(total x phase share): most providers are in PILOT at 10%) except where a month is meant
// to run close to the limit (Basalt River and Laurel Crest EHR support, Brazos prior auth).
// -------------------------------------------------------------------------------------------------
interface NeedPlan {
  buyer: string; // organization handle; EHR platform and region are the buyer's own
  category: string;
  volume: number;
  start: number;
  months: number;
  certs?: Certification[];
  coverage?: CoverageHours;
  languages?: string[];
  maxUnitPrice?: string;
  notes?: string;
  /** Days ago it was posted; needs that began in the past were posted ~6 weeks before their start. */
  postedDaysAgo?: number;
}

interface Ramp {
  pilot?: [months: number, units: number];
  expansion?: [months: number, units: number];
  discount?: number;
  validDays?: number;
}

interface QuotePlan extends Ramp {
  offering: OfferingKey;
  /** Days before now (open needs) or before acceptance (engagements) it was issued. */
  issuedDaysAgo?: number;
}

interface OpenNeedPlan {
  key: string;
  need: NeedPlan;
  quotes: QuotePlan[];
}

interface EngagementPlan {
  key: string;
  need: NeedPlan;
  quote: QuotePlan;
  /** Quotes of other providers that lost when the winning one was accepted (they expire). */
  competitors?: QuotePlan[];
  /** Whether the BAA gets signed; categories without PHI need none. */
  baa: 'signed' | 'pending' | 'not required';
  tasks: [task: string, owner: TaskOwner][];
  escalationContact: string;
  /** Month offset -> metric values that missed their target that month. */
  misses?: Record<number, Record<string, number>>;
  terminate?: { effective: number; reason: string };
}

const OPEN_NEEDS: OpenNeedPlan[] = [
  {
    key: 'thumb-coast-coding',
    need: {
      buyer: 'thumb-coast-memorial',
      category: 'MEDICAL_CODING',
      volume: 900,
      start: 1,
      months: 12,
      maxUnitPrice: '7.0000',
      notes:
        'Inpatient, outpatient and ED charts. Our coder retires in the spring; we want 3 days or less from discharge to final code.',
      postedDaysAgo: 12,
    },
    quotes: [
      { offering: 'lakeshoreCoding', pilot: [2, 450], expansion: [2, 700], validDays: 45, issuedDaysAgo: 9 },
      // Wabash Crossing's v1 is superseded below by a revision with a longer pilot and a discount.
      { offering: 'wabashCoding', pilot: [2, 300], expansion: [2, 600], validDays: 30, issuedDaysAgo: 8 },
    ],
  },
  {
    key: 'pine-hollow-ehr',
    need: {
      buyer: 'pine-hollow-community',
      category: 'EHR_IT_SUPPORT',
      volume: 60,
      start: 1,
      months: 12,
      coverage: CoverageHours.EXTENDED,
      notes:
        'Posted by the Great Lakes Rural Hospital Network. Expanse 2.1 service desk for nights and weekends; our analyst covers weekdays.',
      postedDaysAgo: 10,
    },
    quotes: [{ offering: 'basaltEhrIt', pilot: [2, 30], validDays: 45, issuedDaysAgo: 7 }],
  },
  {
    key: 'huron-shores-ehr',
    need: {
      buyer: 'huron-shores-medical',
      category: 'EHR_IT_SUPPORT',
      volume: 45,
      start: 2,
      months: 12,
      coverage: CoverageHours.EXTENDED,
      notes:
        'Posted by the Great Lakes Rural Hospital Network. Expanse 2.2 upgrade go-live support, then steady application support.',
      postedDaysAgo: 6,
    },
    quotes: [{ offering: 'basaltEhrIt', pilot: [2, 25], validDays: 45, issuedDaysAgo: 4 }],
  },
  {
    key: 'maumee-bend-rcm',
    need: {
      buyer: 'maumee-bend-community',
      category: 'REVENUE_CYCLE',
      volume: 2400,
      start: 2,
      months: 18,
      maxUnitPrice: '5.0000',
      notes: 'Hospital and rural health clinic claims; Medicare, Medicaid and two regional commercial payers.',
      postedDaysAgo: 20,
    },
    // Declined below: above the buyer's budget.
    quotes: [{ offering: 'lakeshoreRcm', pilot: [2, 800], expansion: [2, 1600], validDays: 30, issuedDaysAgo: 15 }],
  },
  {
    key: 'driftless-eligibility',
    need: {
      buyer: 'driftless-hills',
      category: 'ELIGIBILITY_VERIFICATION',
      volume: 1500,
      start: 1,
      months: 12,
      maxUnitPrice: '2.5000',
      notes:
        'Posted by the Great Lakes Rural Hospital Network. Verify coverage 48 hours before scheduled visits and procedures.',
      postedDaysAgo: 9,
    },
    quotes: [
      { offering: 'northwoodsEligibility', validDays: 30, issuedDaysAgo: 6 },
      { offering: 'prairieEligibility', pilot: [1, 750], validDays: 30, issuedDaysAgo: 5 },
    ],
  },
  {
    key: 'prairie-wind-rcm',
    need: {
      buyer: 'prairie-wind-community',
      category: 'REVENUE_CYCLE',
      volume: 1400,
      start: 3,
      months: 18,
      maxUnitPrice: '5.2500',
      notes:
        'Posted by the High Plains Critical Access Alliance. Critical access hospital with a swing-bed program and one rural health clinic.',
      postedDaysAgo: 14,
    },
    quotes: [{ offering: 'prairieRcm', pilot: [3, 500], expansion: [3, 1000], validDays: 45, issuedDaysAgo: 10 }],
  },
  {
    key: 'smoky-hill-recruitment',
    need: {
      buyer: 'smoky-hill-valley',
      category: 'HR_RECRUITMENT',
      volume: 3,
      start: 0,
      months: 6,
      notes:
        'Posted by the High Plains Critical Access Alliance. Two RN and one radiologic technologist openings a month, with housing stipends.',
      postedDaysAgo: 5,
    },
    quotes: [{ offering: 'redRiverRecruitment', validDays: 21, issuedDaysAgo: 3 }],
  },
  {
    key: 'rio-bravo-prior-auth',
    need: {
      buyer: 'rio-bravo-valley',
      category: 'PRIOR_AUTHORIZATION',
      volume: 950,
      start: 1,
      months: 18,
      notes: 'Advanced imaging, outpatient surgery and infusion authorizations; most payers use the same two portals.',
      postedDaysAgo: 11,
    },
    quotes: [{ offering: 'brazosPriorAuth', pilot: [2, 400], expansion: [2, 700], validDays: 30, issuedDaysAgo: 7 }],
  },
  {
    key: 'arbuckle-prior-auth',
    need: {
      buyer: 'arbuckle-hills',
      category: 'PRIOR_AUTHORIZATION',
      volume: 300,
      start: 2,
      months: 12,
      notes: 'Imaging and sleep study authorizations.',
      postedDaysAgo: 8,
    },
    quotes: [{ offering: 'brazosPriorAuth', pilot: [2, 150], validDays: 30, issuedDaysAgo: 6 }],
  },
  {
    key: 'magnolia-coding',
    need: {
      buyer: 'magnolia-bend-internal',
      category: 'MEDICAL_CODING',
      volume: 700,
      start: 1,
      months: 12,
      certs: [Certification.HIPAA_BAA, Certification.AHIMA_CERTIFIED_CODERS],
      notes: 'Professional E/M coding for six internists and two nurse practitioners.',
      postedDaysAgo: 18,
    },
    // Withdrawn below by the provider.
    quotes: [{ offering: 'chattahoocheeCoding', pilot: [1, 350], validDays: 30, issuedDaysAgo: 14 }],
  },
  {
    key: 'salish-call-center',
    need: {
      buyer: 'salish-shore-orthopedics',
      category: 'CALL_CENTER',
      volume: 2500,
      start: 1,
      months: 12,
      coverage: CoverageHours.EXTENDED,
      languages: ['en', 'es'],
      notes: 'Scheduling, reschedules and post-op follow-up calls; surgeons keep their own clinical triage line.',
      postedDaysAgo: 7,
    },
    quotes: [{ offering: 'cascadeCallCenter', pilot: [2, 1200], validDays: 30, issuedDaysAgo: 4 }],
  },
  {
    key: 'desert-bloom-telehealth',
    need: {
      buyer: 'desert-bloom-behavioral',
      category: 'TELEHEALTH',
      volume: 120,
      start: 4,
      months: 12,
      coverage: CoverageHours.EXTENDED,
      languages: ['en', 'es'],
      notes: 'Evening tele-behavioral visits to shorten our waitlist. No partner serves Arizona yet.',
      postedDaysAgo: 3,
    },
    quotes: [],
  },
  {
    key: 'fox-bend-ccm',
    need: {
      buyer: 'fox-bend-womens-health',
      category: 'CHRONIC_CARE_MANAGEMENT',
      volume: 90,
      start: 1,
      months: 12,
      notes: 'Enrolled patients with hypertension or diabetes after pregnancy; monthly outreach and care plan upkeep.',
      postedDaysAgo: 24,
    },
    // Left to lapse: the buyer never answered it (EXPIRED below).
    quotes: [{ offering: 'northwoodsCcm', pilot: [2, 40], validDays: 14 }],
  },
  {
    key: 'heron-pointe-reminders',
    need: {
      buyer: 'heron-pointe-family',
      category: 'APPOINTMENT_REMINDERS',
      volume: 3000,
      start: 0,
      months: 6,
      maxUnitPrice: '0.3000',
      notes: 'Text and voice reminders 72 and 24 hours ahead; waitlist backfill for same-week cancellations.',
      postedDaysAgo: 4,
    },
    quotes: [
      { offering: 'northwoodsReminders', validDays: 21, issuedDaysAgo: 3 },
      { offering: 'brazosReminders', discount: 10, validDays: 21, issuedDaysAgo: 2 },
    ],
  },
  {
    key: 'northern-pines-ehr',
    need: {
      buyer: 'northern-pines-memorial',
      category: 'EHR_IT_SUPPORT',
      volume: 40,
      start: 2,
      months: 18,
      coverage: CoverageHours.AROUND_THE_CLOCK,
      notes:
        'Community Connect site: 24x7 service desk for clinicians, escalation to our host system for build changes.',
      postedDaysAgo: 13,
    },
    quotes: [{ offering: 'lakeshoreEhrIt', pilot: [2, 20], validDays: 45, issuedDaysAgo: 10 }],
  },
  {
    key: 'monongahela-ehr',
    need: {
      buyer: 'monongahela-bend-gi',
      category: 'EHR_IT_SUPPORT',
      volume: 30,
      start: 1,
      months: 12,
      coverage: CoverageHours.BUSINESS_HOURS,
      notes: 'Endoscopy center and clinic on Community Connect: user support and template fixes.',
      postedDaysAgo: 6,
    },
    quotes: [{ offering: 'laurelEhrIt', validDays: 30, issuedDaysAgo: 5 }],
  },
];

/** Posted, quoted, then cancelled by the buyer (its quote expires). */
const CANCELLED_NEED: OpenNeedPlan = {
  key: 'hemlock-cdi',
  need: {
    buyer: 'hemlock-ridge',
    category: 'CLINICAL_DOCUMENTATION_IMPROVEMENT',
    volume: 150,
    start: 2,
    months: 12,
    notes: 'Concurrent CDI review for medicine and surgery inpatients.',
    postedDaysAgo: 30,
  },
  quotes: [{ offering: 'laurelCdi', pilot: [2, 60], validDays: 30, issuedDaysAgo: 25 }],
};

const RCM_TASKS: EngagementPlan['tasks'] = [
  ['Charge capture and charge review', BUYER],
  ['Claim scrubbing and submission', PROVIDER],
  ['Denial management and appeals', PROVIDER],
  ['Patient financial counseling', BUYER],
  ['Payer contract maintenance', BUYER],
];

const ENGAGEMENTS: EngagementPlan[] = [
  {
    // COMPLETED: a three-month coding backlog project that ended before this month.
    key: 'wildcat-coding-backlog',
    need: {
      buyer: 'wildcat-creek',
      category: 'MEDICAL_CODING',
      volume: 350,
      start: -8,
      months: 3,
      notes:
        'Posted by the Great Lakes Rural Hospital Network. Three-month catch-up of ED and outpatient charts after a coder vacancy.',
    },
    quote: { offering: 'wabashCoding' },
    baa: 'signed',
    tasks: [
      ['ED and outpatient coding', PROVIDER],
      ['Physician queries', PROVIDER],
      ['Chargemaster updates', BUYER],
      ['Final billing release', BUYER],
    ],
    escalationContact: 'HIM director',
  },
  {
    // ACTIVE in STEADY: the demo buyer's revenue cycle, seven months in.
    key: 'thumb-coast-rcm',
    need: {
      buyer: 'thumb-coast-memorial',
      category: 'REVENUE_CYCLE',
      volume: 1800,
      start: -7,
      months: 24,
      maxUnitPrice: '5.5000',
      notes: 'Critical access hospital with two rural health clinics; billing office of three.',
    },
    quote: { offering: 'lakeshoreRcm', pilot: [2, 600], expansion: [2, 1200] },
    baa: 'signed',
    tasks: RCM_TASKS,
    escalationContact: 'Revenue cycle director',
  },
  {
    // ACTIVE in EXPANSION, with the month ahead close to Laurel Crest's pilot limit.
    key: 'scioto-ehr-support',
    need: {
      buyer: 'scioto-hills-community',
      category: 'EHR_IT_SUPPORT',
      volume: 150,
      start: -5,
      months: 18,
      coverage: CoverageHours.EXTENDED,
      notes: 'Community Connect site: service desk and optimization requests for nursing and ED workflows.',
    },
    quote: { offering: 'laurelEhrIt', pilot: [2, 60], expansion: [4, 110] },
    baa: 'signed',
    tasks: [
      ['Tier 1 service desk', PROVIDER],
      ['Tier 2 application support', PROVIDER],
      ['Build change approval', BUYER],
      ['On-site hardware and printers', BUYER],
    ],
    escalationContact: 'IT director',
  },
  {
    // ACTIVE in PILOT, held there: the last pilot month missed the abandonment target (GATE_NOT_MET).
    key: 'big-thicket-call-center',
    need: {
      buyer: 'big-thicket-regional',
      category: 'CALL_CENTER',
      volume: 3500,
      start: -3,
      months: 12,
      coverage: CoverageHours.EXTENDED,
      languages: ['en', 'es'],
      notes: 'Central scheduling for the hospital and four clinics, English and Spanish.',
    },
    quote: { offering: 'brazosCallCenter', pilot: [3, 1500], expansion: [3, 2500] },
    baa: 'signed',
    tasks: [
      ['Appointment scheduling and reminders', PROVIDER],
      ['Referral intake calls', PROVIDER],
      ['Clinical triage calls', BUYER],
      ['Provider template build', BUYER],
    ],
    escalationContact: 'Patient access manager',
    misses: { [-1]: { abandonment_rate_pct: 6.8, answered_within_20s_pct: 77.5 } },
  },
  {
    // ACTIVE in STEADY, one STEADY month slightly over the days-in-A/R target.
    key: 'pamlico-rcm',
    need: {
      buyer: 'pamlico-sound',
      category: 'REVENUE_CYCLE',
      volume: 2600,
      start: -6,
      months: 24,
      notes: 'Paragon hospital billing plus professional fees for the hospitalist group.',
    },
    quote: { offering: 'longleafRcm', pilot: [2, 900], expansion: [2, 1800] },
    competitors: [{ offering: 'chattahoocheeRcm', pilot: [3, 800], expansion: [3, 1600], discount: 3 }],
    baa: 'signed',
    tasks: RCM_TASKS.slice(0, 4),
    escalationContact: 'Chief financial officer',
    misses: { [-1]: { days_in_ar: 46.5 } },
  },
  {
    // ACTIVE in EXPANSION.
    key: 'loess-hills-ccm',
    need: {
      buyer: 'loess-hills-regional',
      category: 'CHRONIC_CARE_MANAGEMENT',
      volume: 220,
      start: -4,
      months: 24,
      notes:
        'Posted by the High Plains Critical Access Alliance. Medicare patients with two or more chronic conditions from our two clinics.',
    },
    quote: { offering: 'prairieCcm', pilot: [2, 60], expansion: [4, 140] },
    baa: 'signed',
    tasks: [
      ['Monthly patient outreach', PROVIDER],
      ['Care plan updates', PROVIDER],
      ['Enrollment and consent', BUYER],
      ['CCM billing', BUYER],
    ],
    escalationContact: 'Director of nursing',
  },
  {
    // ACTIVE in PILOT, one month in.
    key: 'high-desert-nighthawk',
    need: {
      buyer: 'high-desert-junction',
      category: 'REMOTE_RADIOLOGY',
      volume: 120,
      start: -1,
      months: 12,
      coverage: CoverageHours.AROUND_THE_CLOCK,
      notes: 'Overnight CT reads (10 pm to 7 am) for the emergency department.',
    },
    quote: { offering: 'cascadeNighthawk', pilot: [3, 60], expansion: [2, 90] },
    baa: 'signed',
    tasks: [
      ['Preliminary and final overnight reads', PROVIDER],
      ['Critical results calls to the ED', PROVIDER],
      ['Image acquisition and transfer', BUYER],
      ['Radiologist credentialing', BUYER],
    ],
    escalationContact: 'ED medical director',
  },
  {
    // TERMINATED by mutual agreement; service ended last month.
    key: 'canadian-river-after-hours',
    need: {
      buyer: 'canadian-river-family',
      category: 'AFTER_HOURS_ANSWERING',
      volume: 350,
      start: -4,
      months: 12,
      coverage: CoverageHours.AROUND_THE_CLOCK,
      notes: 'Nights and weekends answering with relay to the on-call physician.',
    },
    quote: { offering: 'redRiverAfterHours', pilot: [2, 250], expansion: [2, 300] },
    baa: 'signed',
    tasks: [
      ['After-hours call answering', PROVIDER],
      ['On-call physician relay', PROVIDER],
      ['On-call schedule upkeep', BUYER],
      ['Next-morning callbacks', BUYER],
    ],
    escalationContact: 'Practice manager',
    terminate: {
      effective: 0,
      reason:
        'The practice joined a multi-specialty group that runs its own after-hours nurse line; ended by mutual agreement, no service dispute.',
    },
  },
  {
    // PENDING_BAA: accepted, starts next month once the BAA is signed.
    key: 'cumberland-referrals',
    need: {
      buyer: 'cumberland-plateau',
      category: 'REFERRAL_COORDINATION',
      volume: 180,
      start: 1,
      months: 12,
      notes: 'Outbound specialty referrals to Knoxville and Nashville; closed-loop tracking of appointments kept.',
      postedDaysAgo: 16,
    },
    quote: { offering: 'ridgelineReferrals', pilot: [2, 80], issuedDaysAgo: 12 },
    baa: 'pending',
    tasks: [
      ['Referral intake and packet assembly', PROVIDER],
      ['Specialist scheduling', BUYER],
      ['Closed-loop tracking', BUYER],
      ['Clinical referral decisions', BUYER],
    ],
    escalationContact: 'Chief nursing officer',
  },
  {
    // ACTIVE in PILOT from this month: no PHI, so no BAA needed.
    key: 'altamaha-cyber',
    need: {
      buyer: 'altamaha-river',
      category: 'CYBERSECURITY',
      volume: 450,
      start: 0,
      months: 12,
      certs: [Certification.SOC2_TYPE_II],
      coverage: CoverageHours.AROUND_THE_CLOCK,
      notes: 'EDR monitoring of workstations and servers; our two-person IT team works business hours.',
      postedDaysAgo: 21,
    },
    quote: { offering: 'chattahoocheeCyber', pilot: [2, 150], expansion: [2, 300], issuedDaysAgo: 15 },
    baa: 'not required',
    tasks: [
      ['24x7 alert triage', PROVIDER],
      ['Incident response coordination', PROVIDER],
      ['Endpoint agent deployment', BUYER],
      ['Patching and vulnerability fixes', BUYER],
      ['Tabletop exercise', PROVIDER],
    ],
    escalationContact: 'IT manager',
  },
];

// -------------------------------------------------------------------------------------------------
// Deterministic delivered values.
// -------------------------------------------------------------------------------------------------
function prng(seed: string): () => number {
  let a = 2166136261;
  for (const c of seed) a = Math.imul(a ^ c.charCodeAt(0), 16777619);
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** A value meeting the target with a realistic margin (percentages stay below 100). */
function metValue(t: SlaTarget, r: () => number): number {
  if (t.direction === SlaDirection.AT_LEAST) {
    const ceiling = t.unit === '%' ? 100 : t.target * 1.25;
    return round1(t.target + (ceiling - t.target) * (0.2 + r() * 0.55));
  }
  return round1(t.target * (0.62 + r() * 0.3));
}

// -------------------------------------------------------------------------------------------------
// The seeding itself.
// -------------------------------------------------------------------------------------------------
export interface DemoTradingSummary {
  needs: number;
  quotes: number;
  engagements: number;
  reports: number;
  gateRefusals: string[];
}

export async function seedDemoTrading(
  em: CoreEntityManager,
  log: Logger = pino({ level: 'silent' }),
): Promise<DemoTradingSummary> {
  const root = em as unknown as EntityManager;
  const now = currentMonth();
  const at = (offset: number) => addMonths(now, offset);
  const clampPast = (d: Date) => new Date(Math.min(d.getTime(), Date.now() - 60_000));

  const operatorKey = await root.findOneOrFail(ApiKey, { label: 'demo operator', role: Role.OPERATOR });
  const viewer = new Viewer(operatorKey.id, Role.OPERATOR, null);
  const newCtx = (as: Viewer = viewer): Context => {
    const f = root.fork();
    return { requestId: 'demo-seed', em: f, viewer: as, loaders: createLoaders(f), deps: undefined as never, log };
  };
  // The operator is not a party to an engagement: what each party agrees (BAA signatures, task
  // boundaries, disputes, policy requests) is done with an ADMIN key of that party, created here
  // and revoked when the seed ends (the audit trail names the key that acted).
  const partyKeys = new Map<string, ApiKey>();
  const partyViewer = async (organizationId: string): Promise<Viewer> => {
    let key = partyKeys.get(organizationId);
    if (!key) {
      key = keyWithSecret(
        organizationId,
        Role.ADMIN,
        'seed: acted for this organization while the demo loaded (revoked)',
        `hsx_seed_${randomBytes(24).toString('base64url')}`,
      );
      await root.fork().persist(key).flush();
      partyKeys.set(organizationId, key);
    }
    return new Viewer(key.id, Role.ADMIN, organizationId);
  };
  /** Runs one service call in its own context; a refusal stops the seed with its userErrors. */
  const call = async <T>(what: string, fn: (ctx: Context) => Promise<T>, as?: string): Promise<T> => {
    try {
      return await fn(newCtx(as ? await partyViewer(as) : viewer));
    } catch (e) {
      const detail =
        e instanceof UserErrors ? e.errors.map((u) => `${u.code}: ${u.message}`).join('; ') : (e as Error).message;
      throw new Error(`Demo trading seed: ${what} failed: ${detail}`, { cause: e });
    }
  };

  const handleByName = new Map(DEMO_ORGANIZATIONS.map((o) => [o.name, o.handle]));
  const orgs = new Map<string, Organization>();
  for (const o of await root.find(Organization, {})) orgs.set(handleByName.get(o.name) ?? o.name, o);
  const org = (handle: string) => orgs.get(handle) ?? fail(`unknown organization ${handle}`);
  const offeringsByTitle = new Map(
    (await root.find(Offering, { status: OfferingStatus.PUBLISHED })).map((o) => [o.title, o]),
  );
  const offering = (k: OfferingKey) =>
    offeringsByTitle.get(OFFERING[k]) ?? fail(`no published offering "${OFFERING[k]}"`);

  const summary: DemoTradingSummary = { needs: 0, quotes: 0, engagements: 0, reports: 0, gateRefusals: [] };
  const sql = (text: string, params: unknown[]) => root.getConnection().execute(text, params);

  /** Posts a need: through createNeed from this month on, directly for needs that began in the past. */
  async function postNeed(key: string, p: NeedPlan): Promise<Need> {
    const buyer = org(p.buyer);
    const fields = {
      buyerId: buyer.id,
      categoryCode: p.category,
      monthlyVolume: p.volume,
      startMonth: at(p.start),
      durationMonths: p.months,
      ehrPlatformCode: buyer.ehrPlatformCode,
      regionCode: buyer.stateCode,
    };
    const touchesPhi = serviceCategory(p.category)?.touchesPhi ?? true;
    const extra = {
      requiredCertifications: p.certs ?? (touchesPhi ? [Certification.HIPAA_BAA] : []),
      coverageHours: p.coverage ?? null,
      languages: p.languages ?? ['en'],
      maxUnitPrice: p.maxUnitPrice ?? null,
      notes: p.notes ?? null,
    };
    summary.needs++;
    if (p.start >= 0) return call(`createNeed ${key}`, (ctx) => createNeed(ctx, { ...fields, ...extra }));
    return call(`insert past need ${key}`, async (ctx) =>
      ctx.em.transactional(async (tx) => {
        const n = Object.assign(new Need(fields), extra);
        tx.persist(n);
        recordAudit(ctx, tx, {
          action: 'need.created',
          entityType: 'Need',
          entityId: n.id,
          partyIds: [n.buyerId],
          after: { ...fields, ...extra, status: n.status },
        });
        return n;
      }),
    );
  }

  async function issue(key: string, need: Need, q: QuotePlan): Promise<Quote> {
    summary.quotes++;
    return call(`issueQuote ${key} (${q.offering})`, (ctx) =>
      issueQuote(ctx, {
        needId: need.id,
        offeringId: offering(q.offering).id,
        pilotMonths: q.pilot?.[0] ?? 0,
        pilotUnits: q.pilot?.[1] ?? 0,
        expansionMonths: q.expansion?.[0] ?? 0,
        expansionUnits: q.expansion?.[1] ?? 0,
        discountPercent: q.discount ?? 0,
        validDays: q.validDays ?? 14,
      }),
    );
  }

  /** Moves a quote's issue back in time, keeping its validity (and its holds' expiry) in step. */
  async function backdateQuote(quoteId: string, issuedAt: Date, validDays: number) {
    const expiresAt = new Date(issuedAt.getTime() + validDays * DAY);
    await sql(`update quote set created_at = ?, updated_at = greatest(updated_at, ?), expires_at = ? where id = ?`, [
      issuedAt,
      issuedAt,
      expiresAt,
      quoteId,
    ]);
    await sql(
      `update reservation set created_at = ?, expires_at = ? where quote_id = ? and status = 'ACTIVE' and kind = 'HELD'`,
      [issuedAt, expiresAt, quoteId],
    );
  }
  const backdateNeed = (needId: string, postedAt: Date) =>
    sql(`update need set created_at = ? where id = ?`, [clampPast(postedAt), needId]);

  // --- Open needs and their quotes ------------------------------------------------------------
  const openNeeds = new Map<string, { need: Need; quotes: Quote[] }>();
  for (const plan of [...OPEN_NEEDS, CANCELLED_NEED]) {
    const need = await postNeed(plan.key, plan.need);
    await backdateNeed(need.id, new Date(Date.now() - (plan.need.postedDaysAgo ?? 0) * DAY - 3 * 3_600_000));
    const quotes: Quote[] = [];
    for (const q of plan.quotes) {
      const quote = await issue(plan.key, need, q);
      if (q.issuedDaysAgo)
        await backdateQuote(quote.id, new Date(Date.now() - q.issuedDaysAgo * DAY), q.validDays ?? 14);
      quotes.push(quote);
    }
    openNeeds.set(plan.key, { need, quotes });
  }
  const quoteOf = (key: string, i = 0) => openNeeds.get(key)!.quotes[i];

  // SUPERSEDED + its revision: Wabash Crossing answers the buyer's questions with a longer pilot and 5% off.
  summary.quotes++;
  const revised = await call('reviseQuote thumb-coast-coding', (ctx) =>
    reviseQuote(ctx, {
      quoteId: quoteOf('thumb-coast-coding', 1).id,
      pilotMonths: 3,
      pilotUnits: 300,
      discountPercent: 5,
      validDays: 30,
    }),
  );
  await backdateQuote(revised.id, new Date(Date.now() - 2 * DAY), 30);
  // WITHDRAWN by the provider.
  await call('withdrawQuote magnolia-coding', (ctx) => withdrawQuote(ctx, quoteOf('magnolia-coding').id));
  // DECLINED by the buyer, with the reason.
  await call('declineQuote maumee-bend-rcm', (ctx) =>
    declineQuote(ctx, {
      id: quoteOf('maumee-bend-rcm').id,
      reason:
        'The unit price is above our approved budget of $5.00 per claim; we would reconsider a pilot at that price.',
    }),
  );
  // The buyer cancels a need; its live quote expires with it.
  await call('cancelNeed hemlock-cdi', (ctx) => cancelNeed(ctx, { id: openNeeds.get('hemlock-cdi')!.need.id }));
  // EXPIRED by lapse: issued three weeks ago with 14 days of validity, never answered.
  await backdateQuote(quoteOf('fox-bend-ccm').id, new Date(Date.now() - 20 * DAY), 14);

  // --- Engagements and their history ----------------------------------------------------------
  /** In PILOT the provider owns at most one task: its first, the buyer keeps the others for now. */
  const pilotTasks = (tasks: EngagementPlan['tasks']) => {
    const first = tasks.findIndex(([, owner]) => owner === PROVIDER);
    return tasks.filter(([, owner], i) => owner === BUYER || i === first);
  };
  /** One party proposes task boundaries, the other confirms them. */
  async function agreeTasks(
    plan: EngagementPlan,
    e: Engagement,
    tasks: EngagementPlan['tasks'],
    proposer: 'buyer' | 'provider' = 'buyer',
  ) {
    const [by, other] = proposer === 'buyer' ? [e.buyerId, e.providerId] : [e.providerId, e.buyerId];
    await call(
      `setTaskBoundaries ${plan.key}`,
      (ctx) =>
        setTaskBoundaries(ctx, {
          engagementId: e.id,
          tasks: tasks.map(([task, owner]) => ({ task, owner })),
          escalationContact: plan.escalationContact,
        }),
      by,
    );
    await call(`confirmTaskBoundaries ${plan.key}`, (ctx) => confirmTaskBoundaries(ctx, e.id, null), other);
  }
  const engagementsByKey = new Map<string, Engagement>();
  for (const plan of ENGAGEMENTS) {
    const startDate = monthStart(at(plan.need.start));
    // History: posted ~6 weeks before the start, quoted a week later, accepted ~4 weeks before the start.
    const postedAt = clampPast(new Date(startDate.getTime() - 45 * DAY));
    const issuedAt = clampPast(new Date(startDate.getTime() - 38 * DAY));
    const acceptedAt = clampPast(new Date(startDate.getTime() - 28 * DAY));
    const need = await postNeed(plan.key, plan.need);
    await backdateNeed(
      need.id,
      plan.need.start < 0 ? postedAt : new Date(Date.now() - (plan.need.postedDaysAgo ?? 0) * DAY),
    );
    const competitors: Quote[] = [];
    for (const c of plan.competitors ?? []) competitors.push(await issue(plan.key, need, c));
    const quote = await issue(plan.key, need, plan.quote);
    const { engagement } = await call(`acceptQuote ${plan.key}`, (ctx) => acceptQuote(ctx, { quoteId: quote.id }));
    summary.engagements++;
    if (plan.need.start < 0) {
      for (const q of [quote, ...competitors]) await backdateQuote(q.id, issuedAt, q.id === quote.id ? 30 : 21);
      await sql(`update engagement set created_at = ? where id = ?`, [acceptedAt, engagement.id]);
    } else if (plan.quote.issuedDaysAgo) {
      await backdateQuote(quote.id, new Date(Date.now() - plan.quote.issuedDaysAgo * DAY), 30);
    }
    // The buyer proposes the task boundaries, the provider confirms; in PILOT the provider owns one task.
    await agreeTasks(
      plan,
      engagement,
      engagement.phase === EngagementPhase.PILOT ? pilotTasks(plan.tasks) : plan.tasks,
    );
    if (engagement.baaRequired !== (plan.baa !== 'not required'))
      fail(`${plan.key}: the BAA plan does not fit the category`);
    if (engagement.baaRequired && plan.baa === 'signed') {
      // Each party signs; the BAA is in force from the later signature.
      const signedAt = clampPast(new Date(startDate.getTime() - 12 * DAY));
      await call(
        `signBaa ${plan.key} (provider)`,
        (ctx) => signBaa(ctx, { engagementId: engagement.id, signedAt: new Date(signedAt.getTime() - DAY) }),
        engagement.providerId,
      );
      await call(
        `signBaa ${plan.key} (buyer)`,
        (ctx) => signBaa(ctx, { engagementId: engagement.id, signedAt }),
        engagement.buyerId,
      );
    }
    if (plan.baa !== 'pending') {
      const phase = await playHistory(plan, engagement);
      // Past the pilot, the provider takes on the rest of the tasks it was engaged for; the buyer agrees.
      if (
        phase !== EngagementPhase.PILOT &&
        engagement.phase === EngagementPhase.PILOT &&
        pilotTasks(plan.tasks).length < plan.tasks.length
      ) {
        await agreeTasks(plan, engagement, plan.tasks, 'provider');
      }
    }
    engagementsByKey.set(plan.key, engagement);
    if (plan.terminate) {
      const { effective, reason } = plan.terminate;
      await call(`terminateEngagement ${plan.key}`, (ctx) =>
        terminateEngagement(ctx, { engagementId: engagement.id, effectiveMonth: at(effective), reason }),
      );
    }
  }

  /**
   * Month by month up to the current one: the buyer approves the next phase at the start of the
   * month the schedule enters it (refused when the gate is not met), and the provider reports each
   * month that has ended.
   */
  async function playHistory(plan: EngagementPlan, e: Engagement): Promise<EngagementPhase> {
    const targets = offering(plan.quote.offering).slaTargets;
    let phase = e.phase;
    const advances: { at: Date }[] = [];
    for (const line of e.schedule) {
      const offset = monthsBetween(now, line.month);
      if (offset > 0 || (plan.terminate && offset >= plan.terminate.effective)) break;
      if (PHASE_ORDER.indexOf(line.phase as EngagementPhase) > PHASE_ORDER.indexOf(phase)) {
        try {
          phase = (await advanceEngagementPhase(newCtx(), e.id)).phase;
          advances.push({ at: clampPast(new Date(monthStart(line.month).getTime() + DAY + 15 * 3_600_000)) });
        } catch (err) {
          if (!(err instanceof UserErrors) || err.errors[0]?.code !== 'GATE_NOT_MET')
            throw new Error(`Demo trading seed: advanceEngagementPhase ${plan.key} failed: ${(err as Error).message}`, {
              cause: err,
            });
          summary.gateRefusals.push(`${plan.key} ${line.month}: ${err.errors[0].message}`);
          log.info(
            { engagement: plan.key, month: line.month, reason: err.errors[0].message },
            'demo: phase gate not met',
          );
        }
      }
      if (offset >= 0) continue; // the current month has not ended: nothing to report yet
      const r = prng(`${plan.key}:${offset}`);
      const misses = plan.misses?.[offset] ?? {};
      const metrics = targets.map((t) => ({ metric: t.metric, value: misses[t.metric] ?? metValue(t, r) }));
      const deliveredUnits = Math.round(
        line.units * (Object.keys(misses).length ? 0.9 + r() * 0.04 : 0.95 + r() * 0.05),
      );
      await call(`recordPerformance ${plan.key} ${line.month}`, (ctx) =>
        recordPerformance(ctx, { engagementId: e.id, month: line.month, deliveredUnits, metrics }),
      );
      summary.reports++;
      await sql(`update performance_report set created_at = ?, updated_at = ? where engagement_id = ? and month = ?`, [
        clampPast(new Date(monthStart(addMonths(line.month, 1)).getTime() + 4 * DAY)),
        clampPast(new Date(monthStart(addMonths(line.month, 1)).getTime() + 4 * DAY)),
        e.id,
        `${line.month}-01`,
      ]);
    }
    // When the phases changed, as it happened (the services stamp them with the time of the call).
    const [row] = await sql(`select phase_history as "phaseHistory" from engagement where id = ?`, [e.id]);
    const history = (row.phaseHistory as { at: string }[]).map((h, i) => ({
      ...h,
      at: (advances[i]?.at ?? new Date(h.at)).toISOString(),
    }));
    const enteredAt = advances.length
      ? advances[advances.length - 1].at
      : e.startMonth < now
        ? monthStart(e.startMonth)
        : null;
    if (enteredAt)
      await sql(`update engagement set phase_history = ?::jsonb, phase_entered_at = ? where id = ?`, [
        JSON.stringify(history),
        enteredAt,
        e.id,
      ]);
    return phase;
  }

  // --- The trust rules, for a sales team to show -----------------------------------------------
  // A proposal awaiting confirmation: Lakeshore offers to take on underpayment recovery for the demo
  // buyer; until Thumb Coast confirms, the agreed boundaries stay as they are.
  const thumbCoast = engagementsByKey.get('thumb-coast-rcm')!;
  await call(
    'setTaskBoundaries thumb-coast-rcm (proposal)',
    (ctx) =>
      setTaskBoundaries(ctx, {
        engagementId: thumbCoast.id,
        tasks: [...RCM_TASKS, ['Underpayment recovery', PROVIDER] as const].map(([task, owner]) => ({ task, owner })),
      }),
    thumbCoast.providerId,
  );
  // A disputed report: Loess Hills challenges last month's CCM report; the gate waits for it.
  const loess = engagementsByKey.get('loess-hills-ccm')!;
  await call(
    'disputePerformanceReport loess-hills-ccm',
    (ctx) =>
      disputePerformanceReport(ctx, {
        engagementId: loess.id,
        month: at(-1),
        reason:
          'Enrolled patients in the report (136) do not match our CCM billing export (121); please reconcile before we count it.',
      }),
    loess.buyerId,
  );
  // A pending policy change: the demo provider asks to run two more pilot engagements; the operator decides.
  const demoProvider = orgs.get(DEMO_ORGANIZATIONS.find((o) => o.kind === 'HEALTH_SYSTEM')!.handle)!;
  const policy = (await root.fork().findOneOrFail(Organization, demoProvider.id)).phasePolicy;
  await call(
    'setPhasePolicy (pending loosening)',
    (ctx) =>
      setPhasePolicy(ctx, {
        providerId: demoProvider.id,
        phases: policy.map((p, i) =>
          i === 0 && p.maxActiveEngagements !== null ? { ...p, maxActiveEngagements: p.maxActiveEngagements + 2 } : p,
        ),
      }),
    demoProvider.id,
  );

  // --- The sweeper's work, now: lapsed holds and quotes expire, ended engagements complete ------
  await root.fork().transactional(async (tx) => {
    await releaseExpiredHolds(tx, await lockMonthsWithExpiredHolds(tx, 1000));
    await expireLapsedQuotes(tx);
    await completeEndedEngagements(tx);
  });

  if (partyKeys.size)
    await sql(`update api_key set revoked_at = now() where id = any(?::uuid[])`, [
      `{${[...partyKeys.values()].map((k) => k.id).join(',')}}`,
    ]);
  log.info(summary, 'demo trading seeded');
  return summary;
}

function fail(message: string): never {
  throw new Error(`Demo trading seed: ${message}`);
}
