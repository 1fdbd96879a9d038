import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { checkDatabase, createLogger, createSql, fatal, loadConfig, migrate, parseApiKeys } from '../infra/index.js';
import { cachedWorkflowBundle } from '../bundle/index.js';
import { ensureEmbeddedPostgres } from './embedded-postgres.js';
import { ensureTemporalDevServer } from './temporal-dev-server.js';
import { stopChild } from './stop-child.js';
import { buildWeb } from './build-web.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/**
 * `npm run dev`: embedded Postgres, the Temporal dev server (SQLite under .data/), the worker and
 * the API in one terminal; loads examples/; Ctrl-C stops everything it started.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ LOG_LEVEL: config.LOG_LEVEL, LOG_FORMAT: config.LOG_FORMAT ?? 'pretty' }, 'dev');
  const dataDir = path.resolve(ROOT, config.DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  const stops: (() => Promise<void>)[] = [];
  const children: ChildProcess[] = [];
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping…');
    await Promise.all(children.map((c) => stopChild(c, 35_000)));
    for (const stop of stops.reverse()) await stop().catch(() => {});
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  // The workflow bundle builds (once per change of the workflow sources) while the services start.
  const bundling = cachedWorkflowBundle(config.DATA_DIR);
  bundling.catch(() => {});
  try {
    if (!config.DATABASE_URL) {
      const pg = await ensureEmbeddedPostgres(config.databaseUrl, path.join(dataDir, 'postgres'), logger);
      stops.push(pg.stop);
    }
    const sql = createSql(config.databaseUrl, { max: 2 });
    await checkDatabase(sql, config.databaseUrl);
    await migrate(sql);
    await sql.end();

    const uiPort = Number(new URL(config.TEMPORAL_UI_URL).port || 8233);
    const temporal = await ensureTemporalDevServer({
      address: config.TEMPORAL_ADDRESS,
      namespace: config.TEMPORAL_NAMESPACE,
      cliPath: config.TEMPORAL_CLI_PATH,
      dbFile: path.join(dataDir, 'temporal.db'),
      uiPort,
      logger,
    });
    stops.push(temporal.stop);

    if (await buildWeb()) logger.info('built the web page (web/ changed since the last build)');

    const bundle = await bundling;
    if (bundle.built) logger.info({ bundle: bundle.codePath }, 'built the workflow bundle');
    const env = { ...process.env, DATABASE_URL: config.databaseUrl, LOG_FORMAT: config.LOG_FORMAT ?? 'pretty' };
    for (const role of ['worker', 'api'] as const) {
      // The worker as `npm run worker` starts it (the prebuilt dist/worker.mjs when it is current).
      const argv =
        role === 'worker'
          ? [path.join(ROOT, 'worker', 'start.mjs')]
          : ['--import', 'tsx', path.join(ROOT, role, 'main.ts')];
      const child = spawn(process.execPath, argv, {
        env,
        stdio: 'inherit',
        cwd: ROOT,
      });
      child.once('exit', (code) => {
        if (!stopping) {
          logger.error({ role, code }, `the ${role} stopped; stopping everything`);
          void stopAll(1);
        }
      });
      children.push(child);
    }
    const apiUrl = `http://localhost:${config.PORT}`;
    await waitForHttp(`${apiUrl}/readyz`, 60_000);
    const loaded = await loadExamples(apiUrl, parseApiKeys(config.API_KEYS)[0]?.key);
    // The README's first run uses hello; any other example serves when hello is gone.
    const first = loaded.includes('hello') ? 'hello' : (loaded[0] ?? 'hello');
    process.stdout.write(
      [
        '',
        'Tempoflow is running.',
        `  Web          ${apiUrl}`,
        `  API          ${apiUrl}/api/v1`,
        `  Temporal UI  ${config.TEMPORAL_UI_URL}`,
        `  Flows        ${loaded.join(', ') || '(none in examples/)'}`,
        '',
        'Run an example:',
        `  curl -s -X POST '${apiUrl}/api/v1/flows/${first}/runs?wait=30' -H 'content-type: application/json' -d '{"inputs":{"name":"Ada"}}'`,
        `  npx tempoflow run ${first} --input name=Ada --follow`,
        '',
        'Ctrl-C stops everything.',
        '',
      ].join('\n'),
    );
  } catch (err) {
    await Promise.all(children.map((c) => stopChild(c, 35_000)));
    for (const stop of stops.reverse()) await stop().catch(() => {});
    throw err;
  }
}

async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline)
      throw new Error(`${url} did not become ready within ${timeoutMs / 1000} s; see the log above.`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Creates each examples/*.json flow, or stores a new version when its definition changed. */
async function loadExamples(apiUrl: string, apiKey?: string): Promise<string[]> {
  const dir = path.join(ROOT, 'examples');
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
  };
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  const names: string[] = [];
  // Bodies first: a flow may name another (subflow, loop body), which must exist when it is saved.
  const defs = files.map(
    (f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as { name: string; nodes: unknown[]; edges?: unknown[] },
  );
  const pending = [...defs];
  for (let round = 0; pending.length && round < defs.length + 1; round++) {
    for (const def of [...pending]) {
      const created = await fetch(`${apiUrl}/api/v1/flows`, { method: 'POST', headers, body: JSON.stringify(def) });
      if (created.status === 409) {
        const current = (await (await fetch(`${apiUrl}/api/v1/flows/${def.name}`, { headers })).json()) as {
          definition: unknown;
        };
        if (!isDeepStrictEqual(current.definition, normalize(def))) {
          await fetch(`${apiUrl}/api/v1/flows/${def.name}`, { method: 'PUT', headers, body: JSON.stringify(def) });
        }
      } else if (!created.ok) {
        if (round === defs.length) process.stderr.write(`examples/${def.name}.json: ${await created.text()}\n`);
        continue;
      }
      pending.splice(pending.indexOf(def), 1);
      names.push(def.name);
    }
  }
  return names;
}

function normalize(def: { edges?: unknown[] }): unknown {
  return { ...def, edges: def.edges ?? [] };
}

main().catch(fatal);
