import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';
import helmet from 'helmet';
import { HttpError } from './http-error.js';

/** Where `npm run build` writes the page (WEB_DIST overrides it, e.g. in a container). */
export const WEB_DIST = path.resolve(process.env.WEB_DIST ?? fileURLToPath(new URL('../web/dist/', import.meta.url)));

/** The page's routes; each answers index.html and the page draws itself from the address. */
const PAGES = ['/', '/flows', '/flows/:name', '/runs', '/runs/:runId'];

/**
 * Serves the built web page: hashed assets under /assets (cached for a year) and index.html for
 * every page route. The content security policy stays helmet's, minus upgrade-insecure-requests
 * (it would send the page's own scripts to https on a plain-http deployment): scripts and
 * connections only from this origin, no inline scripts, no CDN.
 */
export function webRouter(dist = WEB_DIST): Router {
  const router = Router();
  router.use(
    helmet.contentSecurityPolicy({
      directives: { upgradeInsecureRequests: null, connectSrc: ["'self'"], scriptSrc: ["'self'"] },
    }),
  );
  router.use('/assets', express.static(path.join(dist, 'assets'), { immutable: true, maxAge: '365d', index: false }));
  router.get('/favicon.svg', (_req, res) => {
    res.sendFile(path.join(dist, 'favicon.svg'));
  });
  let index: string | undefined;
  router.get(PAGES, (_req, res) => {
    index ??= readIndex(dist);
    res.set('cache-control', 'no-cache').type('html').send(index);
  });
  return router;
}

function readIndex(dist: string): string {
  const file = path.join(dist, 'index.html');
  if (!existsSync(file))
    throw new HttpError(
      503,
      'web_not_built',
      `the web page is not built (no ${file}); run \`npm run build\` (\`npm run dev\` builds it for you)`,
    );
  return readFileSync(file, 'utf8');
}
