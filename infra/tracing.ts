import { trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { Resource } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { OpenTelemetryPlugin, OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { Tracing } from './telemetry.js';

/**
 * Registers a global tracer provider (one per process) exporting to `exporter` (default: OTLP
 * over HTTP, batched), and instruments undici and fetch so outbound requests are child spans.
 */
export function startTracing(o: { serviceName: string; exporter?: SpanExporter }): Tracing {
  const resource = new Resource({ 'service.name': o.serviceName });
  const spanProcessor: SpanProcessor = o.exporter
    ? new SimpleSpanProcessor(o.exporter)
    : new BatchSpanProcessor(new OTLPTraceExporter());
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register();
  const unregister = registerInstrumentations({
    instrumentations: [
      new UndiciInstrumentation({
        // A request's path and query may hold a secret (a bot token in the path, an api_key
        // parameter) and spans leave for the collector as they are: they keep the origin only.
        startSpanHook: (request) => ({ 'url.full': request.origin, 'url.path': 'REDACTED', 'url.query': 'REDACTED' }),
      }),
    ],
  });
  return {
    workerPlugins: [new OpenTelemetryPlugin({ resource, spanProcessor })],
    clientInterceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] },
    tracer: trace.getTracer('tempoflow'),
    flush: () => provider.forceFlush(),
    async shutdown() {
      unregister();
      await provider.shutdown();
    },
  };
}
