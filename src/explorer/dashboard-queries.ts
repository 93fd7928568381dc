// The GraphQL documents the /dashboard page runs: every figure it draws comes from these queries
// (test/dashboard.browser.test.ts validates them against the schema and compares the page with them).

export const DASHBOARD_VIEWER = `query DashboardViewer { viewer { role organization { id name } } }`;

export const SELLING_DASHBOARD = `query SellingDashboard($providerId: ID, $from: Month!, $to: Month!, $closedFrom: Month!) {
  utilization(providerId: $providerId, from: $from, to: $to) {
    phase maxExternalShare engagementSlots { used limit label }
    totals { month totalUnits sellableUnits heldUnits committedUnits conditionalUnits soldUnits availableUnits utilization }
    offerings { offeringId title categoryCode peakMonth peakUtilization headroomUnits
      months { month totalUnits sellableUnits heldUnits committedUnits conditionalUnits soldUnits availableUnits utilization } }
  }
  bookedRevenue(providerId: $providerId, from: $from, to: $to) {
    currency committedTotal conditionalTotal deliveredTotal
    months { month committedAmount conditionalAmount deliveredAmount engagements }
  }
  pipeline(providerId: $providerId, from: $closedFrom, to: $to) {
    openTotals { currency amount } expiringSoonCount winRate
    byExpiry { label withinDays count totals { currency amount } }
    outcomes { outcome count totals { currency amount } reasons { reason count } }
  }
  servableDemand(providerId: $providerId, first: 10) {
    totalCount quotedCount
    needs { needId categoryCode monthlyVolume months quoted bestFit need { buyer { name } } }
  }
}`;

export const BUYING_DASHBOARD = `query BuyingDashboard($buyerId: ID, $filterBuyerId: ID) {
  vendorPortfolio(buyerId: $buyerId) {
    activeEngagements vendorCount fragmentedCategories
    categories { categoryCode fragmented category { name } vendors { providerId provider { name } engagementIds } consolidationCandidates { name } }
  }
  engagements(filter: { buyerId: $filterBuyerId }, first: 20) {
    edges { node { id status phase offering { title category { name } } provider { name }
      scorecard { currency quoteTotal spendToDate scheduledUnitsToDate deliveredUnitsToDate attainment disputesOpen
        months { month scheduledUnits deliveredUnits attainment disputed }
        metrics { metric target unit direction attainment points { month value met } } } } }
  }
}`;
