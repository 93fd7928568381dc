// The layout's import rules (`npm run lint`, CI). Folders are layers: each imports only folders below
// it (layer-order-*, from LAYERS), and no-circular-folders fails the build on any folder-level cycle,
// also of a folder not listed (a new one, or a subfolder). Bottom to top:
//
//   shared         plumbing: errors, payloads, retries, ids, money, months, scalars, logs, metrics, tracing
//   db             MikroORM config (no entity), migrations, prepared statements, locks, read and write models
//   redis          the shared store
//   access         the request Context, the viewer and its roles, the visibility policy, the auth checker
//   audit          the audit trail every write records (and the events' outbox)
//   reference      EHR platforms, regions, service categories
//   organizations  organizations and their phase policy
//   auth           API keys: authentication, creation, revocation
//   catalog        offerings (and Organization.offerings)
//   capacity       capacity books, availability, the reservation ledger, month locks, the phase-cap slot rule
//   needs          buyers' needs
//   quotes         quotes, pricing and the hard rules matching shares, the acceptance decision (and Need.quotes)
//   engagements    engagements, and acceptQuote, which creates one
//   matching       candidates and scoring
//   insights       business views
//   events         the event catalog, dispatcher, feed and live subscriptions
//   webhooks       webhook registration and delivery
//   explorer       GraphiQL and the dashboard
//   server         HTTP and Apollo plumbing, the subscriptions transport
//   app            the wiring: entities, context and loaders, schema, HTTP app, background jobs, start
//
// src/config.ts imports nothing; src/main.ts starts the app. A field that adds a module's type to
// another's is resolved in the higher module; a rule two modules share lives in the lower one; the
// one call up the order (a need's changes close its quotes) goes through a function app/ registers.
const LAYERS = [
  'shared',
  'db',
  'redis',
  'access',
  'audit',
  'reference',
  'organizations',
  'auth',
  'catalog',
  'capacity',
  'needs',
  'quotes',
  'engagements',
  'matching',
  'insights',
  'events',
  'webhooks',
  'explorer',
  'server',
  'app',
];
const DOMAINS =
  '(organizations|auth|catalog|capacity|needs|quotes|engagements|matching|insights|events|webhooks|explorer)';
const BELOW_DOMAINS = '(shared|db|redis|access|audit|reference)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    // The order above, one rule per layer: a folder imports no folder listed above it.
    ...LAYERS.slice(0, -1).map((layer, i) => ({
      name: `layer-order-${layer}`,
      comment: `src/${layer}/ imports only the layers below it (the order at the top of this file).`,
      severity: 'error',
      from: { path: `^src/${layer}/` },
      to: { path: `^src/(${LAYERS.slice(i + 1).join('|')})/` },
    })),
    {
      name: 'folder-has-a-layer',
      comment: 'A new folder of src/ takes its place in LAYERS (and in the order above) before it imports anything.',
      severity: 'error',
      from: { path: '^src/[^/]+/', pathNot: `^src/(${LAYERS.join('|')})/` },
      to: {},
    },
    {
      name: 'shared-knows-no-domain',
      comment: 'src/shared/ is the bottom layer: it imports no other folder of src/ (only src/config.ts).',
      severity: 'error',
      from: { path: '^src/shared/' },
      to: { path: '^src/[^/]+/', pathNot: '^src/shared/' },
    },
    {
      name: 'lower-layers-know-no-module',
      comment:
        'db, redis, access, audit and reference sit below every domain module: none imports a domain, API keys, the HTTP layer or the wiring.',
      severity: 'error',
      from: { path: `^src/${BELOW_DOMAINS}/` },
      to: { path: `^src/(${DOMAINS}|server|app)/` },
    },
    {
      name: 'capacity-calls-no-quote-or-engagement',
      comment: 'Capacity is below quotes and engagements: they reserve through it, it never calls them (the sweeper composes them in src/app/).',
      severity: 'error',
      from: { path: '^src/capacity/' },
      to: { path: '^src/(quotes|engagements|needs|matching)/' },
    },
    {
      name: 'no-module-imports-server',
      comment: 'The HTTP layer is on top: only the wiring (src/app/) and the entry point start it.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(server|app)/|^src/main\\.ts$' },
      to: { path: '^src/server/' },
    },
    {
      name: 'no-module-imports-the-wiring',
      comment: 'src/app/ builds the context, the schema and the background jobs from the modules; nothing but the entry point depends on it.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/app/|^src/main\\.ts$' },
      to: { path: '^src/app/' },
    },
    {
      name: 'no-circular-folders',
      comment: 'No import cycle between folders: each folder is a layer above the ones it imports (the order above).',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-circular-files',
      comment: 'No import cycle between files.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^src/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
