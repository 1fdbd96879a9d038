import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configSchema } from '../../infra/index.js';
import { DEV_SERVER_DYNAMIC_CONFIG, SEARCH_ATTRIBUTES } from '../../dev/temporal-dev-server.js';

const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8'), { merge: true }) as {
  services: Record<
    string,
    {
      command?: string[] | string;
      environment?: Record<string, unknown>;
      ports?: string[];
      image?: string;
      build?: unknown;
      container_name?: string;
    }
  >;
};
const scripts = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).scripts as Record<
  string,
  string
>;
const configKeys = new Set(Object.keys(configSchema.shape));

describe('docker-compose.yml', () => {
  it('has the production services', () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      'api',
      'migrate',
      'postgres',
      'temporal',
      'temporal-schema',
      'temporal-setup',
      'temporal-ui',
      'worker',
    ]);
  });

  it('runs this repo through package.json scripts that exist', () => {
    for (const [service, script] of [
      ['api', 'api'],
      ['worker', 'worker'],
      ['migrate', 'migrate'],
    ] as const) {
      expect(compose.services[service].command).toEqual(['npm', 'run', script]);
      expect(scripts[script]).toBeDefined();
      expect(compose.services[service].build).toBe('.');
    }
  });

  it('configures the app only with variables the config schema reads', () => {
    for (const service of ['api', 'worker', 'migrate']) {
      const env = Object.keys(compose.services[service].environment ?? {});
      expect(env.length).toBeGreaterThan(3);
      for (const key of env) expect(configKeys.has(key), `${service}: ${key}`).toBe(true);
    }
    expect(compose.services.api.environment!.API_KEYS).toMatch(/API_KEYS/);
  });

  it('lets the worker scale: no fixed name or host port', () => {
    expect(compose.services.worker.container_name).toBeUndefined();
    expect(compose.services.worker.ports).toBeUndefined();
  });

  it('registers the search attributes the code uses', () => {
    const setup = readFileSync(new URL('../../deploy/temporal-setup.sh', import.meta.url), 'utf8');
    for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) expect(setup).toContain(`${name}=${type}`);
  });

  it('uses the maintained Temporal images (server and admin-tools of one release), not the deprecated auto-setup', () => {
    const images = Object.values(compose.services).map((s) => s.image ?? '');
    expect(images.filter((i) => i.includes('auto-setup'))).toEqual([]);
    expect(compose.services.temporal.image).toMatch(/^temporalio\/server:/);
    const release = (image?: string) => image?.split(':').slice(1).join(':');
    expect(release(compose.services['temporal-schema'].image)).toBe(release(compose.services.temporal.image));
    expect(release(compose.services['temporal-setup'].image)).toBe(release(compose.services.temporal.image));
  });

  it('gives the Temporal server the dynamic config npm run dev, the tests and the bench use', () => {
    const file = parse(
      readFileSync(new URL('../../deploy/temporal-dynamicconfig.yaml', import.meta.url), 'utf8'),
    ) as Record<string, { value: unknown }[]>;
    const fromCompose = Object.entries(file).map(([key, [{ value }]]) => `${key}=${JSON.stringify(value)}`);
    const fromCode = DEV_SERVER_DYNAMIC_CONFIG.map((kv) => {
      const [key, value] = kv.split(/=(.*)/s);
      return `${key}=${JSON.stringify(JSON.parse(value))}`;
    });
    expect(fromCompose.sort()).toEqual(fromCode.sort());
    expect(fromCode).toContain('history.transferProcessorMaxPollRPS=1000');
  });
});
