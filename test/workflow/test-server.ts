import { execFile, spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from '../../infra/free-port.js';

/**
 * The Temporal test server (time-skipping) these tests run on: the Java one from Maven Central.
 * The SDK's own binary comes from temporal.download, which this project's machines cannot reach;
 * Maven Central they can, and the JDK and Maven are on them.
 */
export const TEST_SERVER_VERSION = '1.38.0';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** A launcher whose classpath still exists (the Maven repository may have been cleaned since). */
function usable(launcher: string, classpathFile: string): boolean {
  if (!existsSync(launcher) || !existsSync(classpathFile)) return false;
  return readFileSync(classpathFile, 'utf8')
    .trim()
    .split(path.delimiter)
    .every((jar) => existsSync(jar));
}

/**
 * The path of an executable that starts the time-skipping test server (`<exe> <port>`), as the
 * SDK's `existing-path` executable wants it: `TEMPORAL_TEST_SERVER_PATH` when set, else a launcher
 * cached under `.data/temporal-test-server/<version>/`, else one made there by resolving
 * `io.temporal:temporal-test-server` with Maven (about 40 MB of jars, once per machine).
 */
export async function provisionTestServer(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (env.TEMPORAL_TEST_SERVER_PATH) return env.TEMPORAL_TEST_SERVER_PATH;
  const dir = path.resolve(ROOT, env.DATA_DIR ?? '.data', 'temporal-test-server', TEST_SERVER_VERSION);
  const launcher = path.join(dir, 'temporal-test-server');
  const classpathFile = path.join(dir, 'classpath.txt');
  if (usable(launcher, classpathFile)) return launcher;

  const java = onPath('java');
  const mvn = onPath('mvn');
  if (!java || !mvn)
    throw new Error(
      `No Temporal test server for the workflow tests: ${!java ? 'java' : 'mvn'} is not on PATH. Install a JDK (17 or newer) ` +
        'and Maven (Debian: apt-get install default-jdk-headless maven), or set TEMPORAL_TEST_SERVER_PATH to a temporal-test-server binary.',
    );
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'pom.xml'),
    `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>tempoflow</groupId>
  <artifactId>temporal-test-server-launcher</artifactId>
  <version>1</version>
  <dependencies>
    <dependency>
      <groupId>io.temporal</groupId>
      <artifactId>temporal-test-server</artifactId>
      <version>${TEST_SERVER_VERSION}</version>
    </dependency>
  </dependencies>
</project>
`,
  );
  process.stderr.write(`provision: Temporal test server ${TEST_SERVER_VERSION}: resolving it with Maven…\n`);
  try {
    await run(mvn, ['-B', '-q', 'dependency:build-classpath', `-Dmdep.outputFile=${classpathFile}`], {
      cwd: dir,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (err) {
    const e = err as { stdout?: string; message: string };
    throw new Error(
      `Maven could not resolve io.temporal:temporal-test-server:${TEST_SERVER_VERSION}: ${e.stdout || e.message}`,
    );
  }
  writeFileSync(
    launcher,
    `#!/bin/sh\n# Starts the Temporal test server (time-skipping) on the port given as the first argument.\n` +
      `exec "${java}" -cp "$(cat "$(dirname "$0")/classpath.txt")" io.temporal.testserver.TestServer "$@"\n`,
    { mode: 0o755 },
  );
  if (!usable(launcher, classpathFile)) throw new Error(`Maven wrote no usable classpath to ${classpathFile}`);
  return launcher;
}

/** A running test server: its address, and how to stop it. */
export interface RunningTestServer {
  address: string;
  stop(): Promise<void>;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Starts the test server and waits until it listens. The SDK's own launcher gives a server 5 s, and
 * a JVM on a busy two-core machine can take longer than that, so the tests start it themselves.
 */
export async function startTestServer(executable: string, timeoutMs = 120_000): Promise<RunningTestServer> {
  const port = await freePort();
  const child = spawn(executable, [String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  const stop = async () => {
    if (exited !== undefined) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await gone;
  };
  const deadline = Date.now() + timeoutMs;
  while (!(await accepts(port))) {
    if (exited !== undefined)
      throw new Error(`the Temporal test server exited (code ${exited}) before it listened: ${stderr}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `the Temporal test server did not listen on port ${port} within ${timeoutMs / 1000} s: ${stderr}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { address: `127.0.0.1:${port}`, stop };
}
