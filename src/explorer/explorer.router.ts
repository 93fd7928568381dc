// The interactive explorer: GET /graphql from a browser gets the GraphiQL page, GET /dashboard the business
// dashboard (charts of the provider and buyer views), /explorer/ serves both bundles (built into
// dist/explorer by scripts/build-explorer.mjs). Nothing is loaded from anywhere else.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';

/**
 * What the page needs: its own scripts, workers and styles only. Monaco adds <style> elements at
 * run time (style-src 'unsafe-inline'); GraphiQL's fonts are data: URLs.
 */
export const EXPLORER_CSP_DIRECTIVES: Record<string, string[]> = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'worker-src': ["'self'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'font-src': ["'self'", 'data:'],
  'img-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
};

export const EXPLORER_CSP = Object.entries(EXPLORER_CSP_DIRECTIVES)
  .map(([name, values]) => `${name} ${values.join(' ')}`)
  .join('; ');

/** The repository (or installed package) root: the nearest folder above this file with a package.json. */
function packageRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

export interface ExplorerOptions {
  /** Where the bundle is; default `dist/explorer` of this package. */
  assetsDir?: string;
  /** The GraphQL endpoint the page talks to; default `/graphql`. */
  endpoint?: string;
}

function page(build: string, endpoint: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Health Services Exchange · GraphQL explorer</title>
<link rel="stylesheet" href="/explorer/app.css?v=${build}">
</head>
<body>
<div id="explorer" data-endpoint="${endpoint}" data-assets="/explorer/" data-build="${build}">
<noscript>The explorer needs JavaScript. The API itself is at POST ${endpoint}.</noscript>
</div>
<script src="/explorer/app.js?v=${build}" defer></script>
</body>
</html>
`;
}

function dashboardPage(build: string, endpoint: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Health Services Exchange · Dashboard</title>
<link rel="stylesheet" href="/explorer/dashboard.css?v=${build}">
</head>
<body>
<div id="dashboard" data-endpoint="${endpoint}">
<noscript>The dashboard needs JavaScript. Its figures come from the GraphQL API at POST ${endpoint} (pipeline, bookedRevenue, utilization, servableDemand, vendorPortfolio, Engagement.scorecard).</noscript>
</div>
<script src="/explorer/dashboard.js?v=${build}" defer></script>
</body>
</html>
`;
}

/** A browser navigating to the endpoint, as opposed to a GraphQL-over-HTTP GET request. */
function wantsExplorerPage(req: Request): boolean {
  if (req.query.query !== undefined || req.query.extensions !== undefined) return false;
  return req.accepts(['application/graphql-response+json', 'application/json', 'text/html']) === 'text/html';
}

export function explorerRouter(options: ExplorerOptions = {}): express.Router {
  const assetsDir = options.assetsDir ?? path.join(packageRoot(), 'dist', 'explorer');
  const endpoint = options.endpoint ?? '/graphql';
  const router = express.Router();

  /** Sends a page of the bundle, or 503 while the bundle is not built. */
  const sendPage = (res: Response, html: (build: string, endpoint: string) => string) => {
    let build: string;
    try {
      build = (JSON.parse(readFileSync(path.join(assetsDir, 'manifest.json'), 'utf8')) as { build: string }).build;
    } catch {
      res
        .status(503)
        .type('text/plain')
        .send(`The explorer bundle is not built: run \`npm run build:explorer\`. The API is at POST ${endpoint}.\n`);
      return;
    }
    res.setHeader('content-security-policy', EXPLORER_CSP);
    res.setHeader('cache-control', 'no-cache');
    res.type('html').send(html(build.replace(/[^\w-]/g, ''), endpoint));
  };

  router.get(endpoint, (req: Request, res: Response, next: NextFunction) => {
    if (!wantsExplorerPage(req)) return next();
    res.setHeader('vary', 'accept');
    sendPage(res, page);
  });
  router.get('/dashboard', (_req: Request, res: Response) => sendPage(res, dashboardPage));

  // File names are stable (app.js, the workers); the page asks for them with ?v=<build>, so they can be cached for good.
  router.use(
    '/explorer',
    express.static(assetsDir, { immutable: true, maxAge: '365d', index: false, redirect: false }),
  );
  return router;
}
