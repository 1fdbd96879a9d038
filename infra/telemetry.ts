import { context, propagation, trace, SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import type {
  OpenTelemetryPlugin,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
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

/**
 * Tracing for this process when the environment asks for it, else undefined. The OpenTelemetry SDK
 * (infra/tracing.ts) is loaded only then: it is a tenth of a worker's start when nobody traces.
 */
export async function tracingFromEnv(
  serviceName: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Tracing | undefined> {
  if (!tracingEnabled(env)) return undefined;
  const { startTracing } = await import('./tracing.js');
  return startTracing({ serviceName: env.OTEL_SERVICE_NAME ?? serviceName });
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
