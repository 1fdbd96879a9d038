import { context, propagation, trace, SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
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
import type { RequestHandler } from 'express';

/**
 * OpenTelemetry tracing across API → workflow → activities → outbound HTTP (http and llm nodes),
 * with the Temporal SDK's interceptors carrying the context through workflow and activity headers.
 * Off unless OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set; the
 * exporter reads the standard OTEL_EXPORTER_OTLP_* variables (OTLP over HTTP/protobuf).
 */
export interface Tracing {
  /** For Worker.create: the workflow interceptors (bundled), activity interceptors and the span sink. */
  workerPlugins: OpenTelemetryPlugin[];
  /** For new Client(): spans for starting workflows, with the context in the workflow's headers. */
  clientInterceptors: { workflow: OpenTelemetryWorkflowClientInterceptor[] };
  tracer: Tracer;
  /** Flushes pending spans (tests read an in-memory exporter after it). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

export function tracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/** Tracing for this process when the environment asks for it, else undefined (and no cost). */
export function tracingFromEnv(serviceName: string, env: NodeJS.ProcessEnv = process.env): Tracing | undefined {
  if (!tracingEnabled(env)) return undefined;
  return startTracing({ serviceName: env.OTEL_SERVICE_NAME ?? serviceName });
}

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
  const unregister = registerInstrumentations({ instrumentations: [new UndiciInstrumentation()] });
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

/**
 * One server span per API request, named by method and route template, continuing a W3C
 * `traceparent` the caller sent; everything the request does (starting a workflow) is its child.
 */
export function httpTracing(routeOf: (req: Parameters<RequestHandler>[0]) => string): RequestHandler {
  return (req, res, next) => {
    const tracer = trace.getTracer('tempoflow');
    const parent = propagation.extract(context.active(), req.headers);
    const span = tracer.startSpan(`${req.method} ${req.path}`, { kind: SpanKind.SERVER }, parent);
    span.setAttributes({ 'http.request.method': req.method, 'url.path': req.path });
    res.once('close', () => {
      const route = routeOf(req);
      span.updateName(`${req.method} ${route}`);
      span.setAttributes({ 'http.route': route, 'http.response.status_code': res.statusCode });
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(trace.setSpan(parent, span), next);
  };
}
