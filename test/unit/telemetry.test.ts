import { describe, expect, it } from 'vitest';
import { tracingFromEnv } from '../../infra/telemetry.js';

describe('tracingFromEnv', () => {
  it('costs nothing when no OTLP endpoint is set', async () => {
    expect(await tracingFromEnv('t', {})).toBeUndefined();
  });

  it('loads the OpenTelemetry SDK on demand when an endpoint is set', async () => {
    const tracing = await tracingFromEnv('t', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' });
    expect(tracing).toBeDefined();
    expect(tracing!.workerPlugins).toHaveLength(1);
    expect(tracing!.clientInterceptors.workflow).toHaveLength(1);
    await tracing!.shutdown();
  });
});
