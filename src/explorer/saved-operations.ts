// The explorer's library of documented example operations for provider sales teams.
// Written against the binding names of ../shared/API.md; shared by the browser bundle and the tests.
import { parse, print } from 'graphql';
import { addMonths, monthOf } from '../shared/month';

export interface ExplorerContext {
  /** Today, to derive month arguments (`YYYY-MM`, UTC). */
  today: Date;
  /** The organization of the API key in use, when known (fills `providerId`-style variables). */
  organizationId: string | null;
}

export interface SavedOperation {
  title: string;
  description: string;
  /** The GraphQL document, starting with a comment made of the title and the description. */
  query: string;
  variables(context: ExplorerContext): Record<string, unknown>;
}

/** `YYYY-MM` of the month `offset` months after `today`'s month. */
export const monthFrom = (today: Date, offset: number): string => addMonths(monthOf(today), offset);

/** Splits text into lines of at most `width` characters (the comment stays readable in a narrow editor). */
function wrap(text: string, width = 48): string[] {
  const lines: string[] = [];
  for (const word of text.split(/\s+/)) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last].length + 1 + word.length <= width) lines[last] += ` ${word}`;
    else lines.push(word);
  }
  return lines;
}

function saved(
  title: string,
  description: string,
  body: string,
  variables: SavedOperation['variables'],
): SavedOperation {
  const comment = [title, '', ...wrap(description)].map((line) => (line ? `# ${line}` : '#')).join('\n');
  // Printed in graphql-js's standard layout (what GraphiQL's prettify gives): one field per line.
  return { title, description, query: `${comment}\n\n${print(parse(body))}\n`, variables };
}

const ORGANIZATION_ID_HINT =
  'save your API key and reopen this operation, or paste the organization id MyOrganization gives';

export const savedOperations: SavedOperation[] = [
  saved(
    'Browse published offerings',
    'Every published offering on the exchange with its provider, category, pricing and SLA targets. ' +
      'Narrow the filter with categoryCode ("REVENUE_CYCLE"), ehrPlatformCode ("EPIC") or regionCode ' +
      '("US-OH", "HHS-5"); page on with `after: pageInfo.endCursor`.',
    `
query BrowsePublishedOfferings($filter: OfferingFilter, $first: Int) {
  offerings(filter: $filter, first: $first) {
    totalCount
    edges {
      node {
        title
        id
        provider { id name stateCode ehrPlatform { code } }
        category { code name unit }
        ehrPlatforms { code }
        regions { code }
        pricing { currency unitPrice setupFee monthlyMinimum tiers { fromUnits unitPrice } }
        slaTargets { metric target unit direction }
        coverageHours
        certifications
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}`,
    () => ({ filter: { status: 'PUBLISHED' }, first: 20 }),
  ),
  saved(
    'Find providers for a need by EHR, region and volume',
    'Ranks the offerings that can serve a need, without posting it: hard filters first (category, ' +
      'EHR platform, region, certifications, capacity in every month), then a 0..100 score with one ' +
      'line per factor in `breakdown`. With includePartial, offerings short in some months are listed ' +
      'with fullyAvailable: false, their shortMonths and their month-by-month availability.',
    `
query FindProvidersForNeed($input: MatchInput!, $first: Int! = 10) {
  matchOffers(input: $input, first: $first) {
    score
    fullyAvailable
    shortMonths
    minAvailableUnits
    estimatedMonthlyCost
    currency
    provider { id name stateCode ehrPlatform { code } }
    offering { id title pricing { unitPrice setupFee } slaTargets { metric target unit direction } }
    breakdown { factor weight value reason }
    availability { month availableUnits }
    warnings
  }
}`,
    ({ today }) => ({
      input: {
        categoryCode: 'REVENUE_CYCLE',
        monthlyVolume: 2000,
        startMonth: monthFrom(today, 1),
        durationMonths: 12,
        ehrPlatformCode: 'EPIC',
        regionCode: 'US-OH',
        maxUnitPrice: '6.00',
        includePartial: true,
      },
      first: 10,
    }),
  ),
  saved(
    'Open demand in my categories',
    'Open needs posted by buyers in one service category. Set categoryCode to one of ' +
      'the categories you sell (`serviceCategories` lists the codes) and optionally add regionCode to ' +
      "the filter. A buyer's maximum unit price and notes stay private to the buyer.",
    `
query OpenDemandInMyCategories($categoryCode: String!, $first: Int) {
  needs(filter: { status: OPEN, categoryCode: $categoryCode }, first: $first) {
    totalCount
    edges {
      node {
        id
        buyer { id name stateCode }
        category { code name unit }
        monthlyVolume
        startMonth
        durationMonths
        ehrPlatform { code name }
        region { code name }
        requiredCertifications
        coverageHours
        languages
        status
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}`,
    () => ({ categoryCode: 'REVENUE_CYCLE', first: 20 }),
  ),
  saved(
    'My capacity utilization for the next 12 months',
    'Your capacity book per offering and month: total and sellable units (the share your current ' +
      'phase allows), what is held by open quotes, committed and kept for later engagement phases, ' +
      'and what is still available. The explorer fills providerId with your organization once your ' +
      'key is saved; otherwise run MyOrganization (viewer) and paste its organization id.',
    `
query MyCapacityUtilization($providerId: ID!, $from: Month!, $to: Month!) {
  capacityOverview(providerId: $providerId, from: $from, to: $to) {
    offering { id title category { code unit } }
    months {
      month
      phase
      totalUnits
      sellableUnits
      heldUnits
      committedUnits
      conditionalUnits
      availableUnits
    }
  }
}

query MyOrganization {
  viewer { role organization { id name } }
}`,
    ({ today, organizationId }) => ({
      providerId: organizationId ?? ORGANIZATION_ID_HINT,
      from: monthFrom(today, 0),
      to: monthFrom(today, 11),
    }),
  ),
  saved(
    'Compare the quotes on a need',
    'Every quote on one of your needs side by side: provider, version, status, cost per unit, total, ' +
      'ramp (pilot and expansion months and units, then the month-by-month schedule with unit prices) ' +
      'and SLA targets. Take a needId from your needs; a provider sees only its own quotes.',
    `
query CompareQuotesOnNeed($needId: ID!) {
  need(id: $needId) {
    id
    category { code name unit }
    monthlyVolume
    startMonth
    durationMonths
    maxUnitPrice
    status
    quotes(first: 50) {
      totalCount
      edges {
        node {
          id
          version
          status
          expiresAt
          provider { id name }
          offering { id title }
          currency
          costPerUnit
          total
          setupFee
          totalUnits
          pilotMonths
          pilotUnits
          expansionMonths
          expansionUnits
          discountPercent
          slaTargets { metric target unit direction }
          schedule { month phase units unitPrice amount }
        }
      }
    }
  }
}`,
    () => ({ needId: 'paste a need id here' }),
  ),
  saved(
    'Engagements waiting for a phase gate',
    'Active engagements with their current phase and latest monthly performance reports: an ' +
      'engagement in PILOT or EXPANSION moves on when its last gateReportCount reports of the phase ' +
      'meet every SLA target (allTargetsMet) and the buyer approves with advanceEngagementPhase.',
    `
query EngagementsWaitingForPhaseGate($first: Int, $reports: Int) {
  engagements(filter: { status: ACTIVE }, first: $first) {
    totalCount
    edges {
      node {
        id
        phase
        phaseEnteredAt
        status
        provider { id name }
        buyer { id name }
        offering { id title gateReportCount slaTargets { metric target unit direction } }
        performanceReports(first: $reports) {
          totalCount
          edges {
            node {
              month
              phase
              deliveredUnits
              attainment
              allTargetsMet
              metrics { metric value target direction met }
            }
          }
        }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}`,
    () => ({ first: 20, reports: 6 }),
  ),
  saved(
    'My pipeline: open quotes, wins and losses',
    'Your open quotes with value and expiry (the ones lapsing within 7 days are counted), open value ' +
      'by time to expiry, and how the quotes closed over the last 12 months ended: won, lost to another ' +
      'provider, declined (with the reasons buyers gave), expired, withdrawn, and your win rate. ' +
      'providerId defaults to your organization.',
    `
query MyPipeline($providerId: ID, $from: Month!, $to: Month!) {
  pipeline(providerId: $providerId, from: $from, to: $to) {
    open { quoteId total currency expiresAt daysToExpiry expiringSoon need { id category { code } monthlyVolume } }
    openTotals { currency amount }
    expiringSoonCount
    byExpiry { label count totals { currency amount } }
    outcomes { outcome count totals { currency amount } reasons { reason count } }
    winRate
  }
}`,
    ({ today, organizationId }) => ({
      providerId: organizationId,
      from: monthFrom(today, -11),
      to: monthFrom(today, 0),
    }),
  ),
  saved(
    'My booked revenue by month',
    'Revenue booked on your engagements per month, from their agreed schedules and prices: committed ' +
      '(phases reached), conditional (later phases not yet reached) and delivered (reported units at ' +
      'the agreed unit price). One entry per currency.',
    `
query MyBookedRevenue($providerId: ID, $from: Month!, $to: Month!) {
  bookedRevenue(providerId: $providerId, from: $from, to: $to) {
    currency
    committedTotal
    conditionalTotal
    deliveredTotal
    months { month committedAmount conditionalAmount deliveredAmount engagements }
  }
}`,
    ({ today, organizationId }) => ({
      providerId: organizationId,
      from: monthFrom(today, 0),
      to: monthFrom(today, 11),
    }),
  ),
  saved(
    'My utilization, peak months and phase slots',
    'Per offering and month: units sold (committed + conditional + held) against what your phase lets ' +
      'you sell and your total capacity, the peak month and the headroom left there, and how many of ' +
      'your phase\'s engagement slots are used ("2 of 10").',
    `
query MyUtilization($providerId: ID, $from: Month!, $to: Month!) {
  utilization(providerId: $providerId, from: $from, to: $to) {
    phase
    maxExternalShare
    engagementSlots { used limit label }
    offerings {
      title
      categoryCode
      peakMonth
      peakUtilization
      headroomUnits
      months { month totalUnits sellableUnits soldUnits committedUnits conditionalUnits heldUnits availableUnits utilization }
    }
  }
}`,
    ({ today, organizationId }) => ({
      providerId: organizationId,
      from: monthFrom(today, 0),
      to: monthFrom(today, 11),
    }),
  ),
  saved(
    'Open demand I can actually serve',
    'Open needs, across every category you sell, for which one of your offerings passes every hard ' +
      'rule of matching (EHR, region, certifications, coverage, languages, capacity in every month, ' +
      'an engagement slot left), best fit first, with whether you have quoted.',
    `
query ServableDemand($providerId: ID, $first: Int) {
  servableDemand(providerId: $providerId, first: $first) {
    totalCount
    quotedCount
    needs {
      need { id buyer { name } region { code } ehrPlatform { code } }
      categoryCode
      monthlyVolume
      months
      quoted
      bestFit
      offerings { offering { id title } fit minAvailableUnits estimatedMonthlyCost currency quoteId }
    }
  }
}`,
    ({ organizationId }) => ({ providerId: organizationId, first: 20 }),
  ),
  saved(
    'Scorecards of my engagements',
    'For each engagement: delivered against scheduled units per month, each SLA metric over time ' +
      'against its agreed target, spend to date against the quote, and open disputes.',
    `
query EngagementScorecards($first: Int) {
  engagements(first: $first) {
    edges {
      node {
        id
        status
        phase
        provider { name }
        buyer { name }
        offering { title }
        scorecard {
          currency
          quoteTotal
          spendToDate
          attainment
          disputesOpen
          months { month scheduledUnits deliveredUnits attainment disputed }
          metrics { metric target direction attainment points { month value met } }
        }
      }
    }
  }
}`,
    () => ({ first: 10 }),
  ),
  saved(
    'My vendor portfolio',
    'Your active engagements by service category and provider, with the functions several providers ' +
      'serve at once (fragmentation) and the existing partners that also sell them (consolidation ' +
      "candidates). A network's key may name a member as buyerId.",
    `
query MyVendorPortfolio($buyerId: ID) {
  vendorPortfolio(buyerId: $buyerId) {
    activeEngagements
    vendorCount
    fragmentedCategories
    categories {
      category { code name }
      fragmented
      vendors { provider { id name } engagementIds }
      consolidationCandidates { id name }
    }
  }
}`,
    ({ organizationId }) => ({ buyerId: organizationId }),
  ),
  saved(
    'Watch my quotes live',
    'A subscription: every change to a quote you are a party to (issued, revised, accepted, declined, ' +
      'expired, withdrawn) as it happens, over WebSocket on the same URL. Run it, then act on a quote ' +
      'in another tab; stop it with the stop button.',
    `
subscription WatchMyQuotes {
  quoteEvents {
    id
    type
    occurredAt
    quote { id status version total currency need { id } offering { title } }
  }
}`,
    () => ({}),
  ),
];
