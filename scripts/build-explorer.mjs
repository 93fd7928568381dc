// Bundles the GraphiQL explorer and the /dashboard page (src/explorer/client) with esbuild into dist/explorer/:
// app.js, app.css, dashboard.js (with Chart.js), dashboard.css, the Monaco/GraphQL web workers and fonts.
// Runs at install and build time; skips when nothing changed.
// Usage: node scripts/build-explorer.mjs [--force]
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'dist', 'explorer');
const clientDir = path.join(root, 'src', 'explorer', 'client');

const workers = {
  'editor.worker': 'monaco-editor/esm/vs/editor/editor.worker.js',
  'json.worker': 'monaco-editor/esm/vs/language/json/json.worker.js',
  'graphql.worker': 'monaco-graphql/esm/graphql.worker.js',
};

/** Hash of everything the bundle depends on: package versions and our own sources. */
function fingerprint() {
  const hash = createHash('sha256');
  for (const pkg of [
    'graphiql',
    '@graphiql/react',
    'monaco-editor',
    'monaco-graphql',
    'react',
    'react-dom',
    'graphql',
    'graphql-ws',
    'chart.js',
    'esbuild',
  ]) {
    hash.update(
      `${pkg}@${JSON.parse(readFileSync(path.join(root, 'node_modules', pkg, 'package.json'), 'utf8')).version}\n`,
    ); // some packages do not export package.json
  }
  const sources = [
    fileURLToPath(import.meta.url),
    path.join(root, 'src', 'explorer', 'saved-operations.ts'),
    path.join(root, 'src', 'explorer', 'dashboard-queries.ts'),
    path.join(root, 'src', 'shared', 'month.ts'),
    ...readdirSync(clientDir, { recursive: true })
      .map((f) => path.join(clientDir, String(f)))
      .filter((f) => statSync(f).isFile())
      .sort(),
  ];
  for (const file of sources) hash.update(`${path.relative(root, file)}\n`).update(readFileSync(file));
  return hash.digest('hex').slice(0, 16);
}

const started = Date.now();
const id = fingerprint();
const manifestFile = path.join(outDir, 'manifest.json');
const current = existsSync(manifestFile) ? JSON.parse(readFileSync(manifestFile, 'utf8')) : null;
if (current?.build === id && !process.argv.includes('--force')) process.exit(0);

// Build next to the output and swap, so a running server never serves a half-written bundle.
const tmpDir = `${outDir}.tmp-${process.pid}`;
rmSync(tmpDir, { recursive: true, force: true });
mkdirSync(tmpDir, { recursive: true });
try {
  await build({
    absWorkingDir: root,
    entryPoints: { app: path.join(clientDir, 'app.tsx'), dashboard: path.join(clientDir, 'dashboard.ts'), ...workers },
    outdir: tmpDir,
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2022'],
    jsx: 'automatic',
    loader: { '.ttf': 'file', '.woff': 'file', '.woff2': 'file' },
    assetNames: 'fonts/[name]-[hash]',
    define: { 'process.env.NODE_ENV': '"production"' },
    legalComments: 'linked',
    logLevel: 'warning',
  });
  writeFileSync(
    path.join(tmpDir, 'manifest.json'),
    `${JSON.stringify({ build: id, builtAt: new Date().toISOString() }, null, 2)}\n`,
  );
  rmSync(outDir, { recursive: true, force: true });
  renameSync(tmpDir, outDir);
} catch (err) {
  rmSync(tmpDir, { recursive: true, force: true });
  console.error('explorer bundle failed:', err instanceof Error ? err.message : err);
  process.exit(1);
}
console.log(`explorer bundle ${id} built in ${Date.now() - started} ms -> ${path.relative(root, outDir)}/`);
