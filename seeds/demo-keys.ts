// Well-known API keys of the demo network, printed at start in development. Never load DEMO_DATA in production.
export const DEMO_KEYS = [
  { role: 'OPERATOR', org: null, label: 'demo operator', secret: 'hsx_demo_operator' },
  { role: 'ADMIN', org: 'provider', label: 'demo provider admin', secret: 'hsx_demo_provider_admin' },
  { role: 'SALES', org: 'provider', label: 'demo provider sales', secret: 'hsx_demo_provider_sales' },
  { role: 'ADMIN', org: 'buyer', label: 'demo buyer admin', secret: 'hsx_demo_buyer_admin' },
  { role: 'INTEGRATION', org: 'network', label: 'demo network integration', secret: 'hsx_demo_network_integration' },
] as const;
