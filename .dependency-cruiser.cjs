// The layout's import rules (`npm run lint`, CI). Folders form layers, each importing only folders
// below it (bottom to top):
//
//   shared        plumbing: errors, ids, money, months, scalars, logging, metrics, tracing, retries
//   db            MikroORM config (no entity), migrations, prepared statements, locks, read and write models
//   redis         the shared store
//   access        the request context, the viewer and its roles, the visibility policy, the auth checker
//   audit         the audit trail every write records
//   reference     EHR platforms, regions, service categories
//   domain modules (organizations, catalog, capacity, ...: their order is checked by no-circular-folders)
//   auth          API keys: authentication, creation, revocation
//   server        HTTP and Apollo plumbing, subscriptions transport
//   app           the wiring: entities, context and loaders, schema, background jobs, the HTTP app, start
//
// src/config.ts and src/main.ts sit at the root: config imports nothing, main starts the app.
const DOMAINS = '(organizations|catalog|capacity|needs|matching|quotes|engagements|events|webhooks|explorer|insights)';
const BELOW_DOMAINS = '(shared|db|redis|access|audit|reference)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
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
      to: { path: `^src/(${DOMAINS}|auth|server|app)/` },
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
      comment:
        'No import cycle between folders: each folder is a layer above the ones it imports. Still open among the domain modules (see pathNot), closed everywhere else.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/', pathNot: '^src/(catalog|capacity|organizations|needs|quotes|engagements|matching|insights|events|webhooks)$' },
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
