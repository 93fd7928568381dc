// The layout's import rules (`npm run lint`, CI): the wiring layer (src/app/) and the HTTP layer
// (src/server/) sit above the domain modules; shared plumbing (src/shared/) knows no domain; the
// capacity ledger calls no quote or engagement code.
const DOMAINS = '(organizations|catalog|capacity|needs|matching|quotes|engagements|audit|events|webhooks|explorer|reference)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'shared-knows-no-domain',
      comment: 'src/shared/ is plumbing every module uses: it imports no domain module, no wiring and no HTTP layer.',
      severity: 'error',
      from: { path: '^src/shared/' },
      to: { path: `^src/(${DOMAINS}|app|server)/` },
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
      comment: 'src/app/ builds the context, the schema and the background jobs from the modules; no module depends on it.',
      severity: 'error',
      from: { path: `^src/(${DOMAINS}|shared|db|redis|auth)/` },
      to: { path: '^src/app/' },
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
