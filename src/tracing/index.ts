import { SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

/** Ends a request's span once it is answered. */
export type EndRequestSpan = (route: string, status: number) => void;

/** One span per HTTP request, with the request id of the logs as an attribute. */
export interface RequestTracing {
  startRequest(method: string, requestId: string): EndRequestSpan;
  /** Sends what is buffered and stops (at shutdown). */
  shutdown(): Promise<void>;
}

type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Whether the standard OpenTelemetry variables ask for traces: an OTLP endpoint, or
 * OTEL_TRACES_EXPORTER=otlp; OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none turn them off.
 */
export function tracingRequested(env: Environment): boolean {
  if (env.OTEL_SDK_DISABLED?.toLowerCase() === 'true') return false;
  const exporter = env.OTEL_TRACES_EXPORTER?.toLowerCase();
  if (exporter === 'none') return false;
  return exporter === 'otlp' || Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT) || Boolean(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/**
 * Traces over OTLP/HTTP (JSON), off unless the environment asks for them. The exporter reads the
 * standard variables itself (endpoint, headers, timeout); the batch processor its OTEL_BSP_*.
 */
export function createRequestTracing(env: Environment): RequestTracing | undefined {
  if (!tracingRequested(env)) return undefined;
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME ?? 'dcr-authorization-server' }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  const tracer: Tracer = provider.getTracer('dcr-authorization-server');
  return {
    startRequest(method, requestId) {
      const span = tracer.startSpan(`HTTP ${method}`, {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': method, 'request.id': requestId },
      });
      return (route, status) => {
        span.updateName(`${method} ${route}`);
        span.setAttributes({ 'http.route': route, 'http.response.status_code': status });
        if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      };
    },
    shutdown: () => provider.shutdown(),
  };
}
