import { afterAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ExpressionSandbox } from '../../activities/expression-sandbox.js';
import { checkJsonata, Re2RegExp } from '../../flow/expression-check.js';

const sandbox = new ExpressionSandbox({ size: 2 });
afterAll(() => sandbox.close());

describe('expression sandbox', () => {
  it('evaluates JSONata with regexes on the linear-time engine, with JS semantics', async () => {
    const data = { s: 'Ada Lovelace, 1815; Grace Hopper, 1906', e: 'x😀bbb' };
    expect(await sandbox.evaluate('$match(s, /(\\w+) (\\w+), (\\d+)/).groups', data)).toEqual([
      'Ada',
      'Lovelace',
      '1815',
      'Grace',
      'Hopper',
      '1906',
    ]);
    expect(await sandbox.evaluate('$replace(s, /(\\d+)/, "<$1>")', data)).toBe(
      'Ada Lovelace, <1815>; Grace Hopper, <1906>',
    );
    expect(await sandbox.evaluate('$split(s, /;\\s*/)', data)).toEqual(['Ada Lovelace, 1815', 'Grace Hopper, 1906']);
    expect(await sandbox.evaluate('$contains(s, /GRACE/i)', data)).toBe(true);
    expect(await sandbox.evaluate('$match(e, /b+/).index', data)).toBe(3);
    expect(await sandbox.evaluate('$eval("$contains(\\"abc\\", /B/i)")', data)).toBe(true);
  });

  it("starts its processes without the worker's environment (secrets, DATABASE_URL)", async () => {
    process.env.SECRET_SANDBOX_PROBE = 'probe-value-123';
    const own = new ExpressionSandbox({ size: 1 });
    try {
      expect(await own.evaluate('1 + 1', {})).toBe(2);
      // The children of this process, by /proc: none may hold the probe in its environment.
      const children = readdirSync('/proc')
        .filter((d) => /^\d+$/.test(d))
        .filter((pid) => {
          try {
            return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1] === String(process.pid);
          } catch {
            return false;
          }
        });
      const envs = children.map((pid) => readFileSync(`/proc/${pid}/environ`, 'utf8'));
      expect(envs.length).toBeGreaterThan(0);
      for (const env of envs) expect(env).not.toContain('SECRET_SANDBOX_PROBE');
    } finally {
      own.close();
      delete process.env.SECRET_SANDBOX_PROBE;
    }
  });

  it('fails a catastrophic regex fast instead of backtracking', async () => {
    expect(await sandbox.evaluate('$contains("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", /(a|a)+$/)', {})).toBe(
      false,
    );
  });

  it('kills an evaluation that eats memory or blocks, and keeps serving the others', async () => {
    const [pad, spin, clean] = await Promise.allSettled([
      sandbox.evaluate('$length($pad("x", 200000000))', {}),
      sandbox.evaluate('$sum([1..9999999].($ * 2))', {}),
      sandbox.evaluate('1 + 1', {}),
    ]);
    expect(pad).toMatchObject({ status: 'rejected', reason: { type: 'ExpressionFailed' } });
    expect((pad as PromiseRejectedResult).reason.message).toMatch(/memory|stopped after|longer than/);
    expect(spin).toMatchObject({ status: 'rejected', reason: { type: 'ExpressionFailed' } });
    expect(clean).toEqual({ status: 'fulfilled', value: 2 });
    expect(await sandbox.evaluate('"still" & " here"', {})).toBe('still here');
  });

  it('stops an evaluation when its signal aborts', async () => {
    const controller = new AbortController();
    const pending = sandbox.evaluate('$count([1..9999999].($string($)))', {}, controller.signal);
    setTimeout(() => controller.abort(new Error('cancelled by test')), 50);
    // The abort's own reason, not the evaluation's time limit (2 s) catching it later.
    await expect(pending).rejects.toThrow('JSONata: cancelled');
    expect(await sandbox.evaluate('3', {})).toBe(3);
  });
});

describe('checkJsonata (save time)', () => {
  it('refuses regex syntax the linear-time engine cannot run', () => {
    expect(checkJsonata('$match(s, /(a)\\1/)')).toMatch(/not supported by the linear-time regex engine/);
    expect(checkJsonata('$match(s, /a(?=b)/)')).toMatch(/not supported/);
    expect(checkJsonata('$match(s, /(?<y>\\d{4})/)')).toBeUndefined();
    expect(checkJsonata('$sum(')).toMatch(/at character/);
  });

  it('Re2RegExp answers like RegExp for exec with lastIndex', () => {
    const re = new Re2RegExp(/o/g);
    expect(re.exec('foo')?.index).toBe(1);
    expect(re.lastIndex).toBe(2);
    expect(re.exec('foo')?.index).toBe(2);
    expect(re.exec('foo')).toBeNull();
  });

  it('loads neither the http nor the llm client (the API imports it)', () => {
    const seen = new Set<string>();
    const walk = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = readFileSync(file, 'utf8');
      for (const [, spec] of source.matchAll(/^import[^'"]*['"]([^'"]+)['"]/gm)) {
        if (spec.startsWith('.')) walk(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
        else seen.add(spec);
      }
    };
    walk(resolve(import.meta.dirname, '../../flow/expression-check.ts'));
    expect([...seen].filter((s) => !s.startsWith('/'))).toEqual(['jsonata', 're2js']);
  });
});
