import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { tracingRequested } from '../../src/tracing/index.js';
import { freePort, startServerProcess, stopServerProcess, waitForHealthy } from '../support/server-process.js';

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string | number };
}

interface OtlpSpan {
  name: string;
  attributes: OtlpAttribute[];
}

/** A real OTLP/HTTP collector endpoint: records the spans of every export request it receives. */
async function startCollector(): Promise<{ url: string; spans: OtlpSpan[]; server: Server }> {
  const spans: OtlpSpan[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => { body += chunk.toString('utf8'); });
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const parsed = JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] };
        for (const resource of parsed.resourceSpans) for (const scope of resource.scopeSpans) spans.push(...scope.spans);
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, server };
}

const attribute = (span: OtlpSpan, key: string) => {
  const value = span.attributes.find((candidate) => candidate.key === key)?.value;
  return value?.stringValue ?? (value?.intValue === undefined ? undefined : Number(value.intValue));
};

describe('OpenTelemetry traces', () => {
  test('are off unless the standard OTEL_* variables ask for them', () => {
    expect(tracingRequested({})).toBe(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toBe(true);
    expect(tracingRequested({ OTEL_TRACES_EXPORTER: 'otlp' })).toBe(true);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' })).toBe(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'none' })).toBe(false);
  });

  test('with OTEL_EXPORTER_OTLP_ENDPOINT set, every request is a span carrying the request id of the logs', async () => {
    const collector = await startCollector();
    const dataDir = mkdtempSync(join(tmpdir(), 'tracing-'));
    const port = await freePort();
    const run = startServerProcess({
      PORT: String(port), DATA_DIR: dataDir, OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_BSP_SCHEDULE_DELAY: '100', OTEL_SERVICE_NAME: 'authz-under-test',
    });
    try {
      await waitForHealthy(`http://127.0.0.1:${port}`, run);
      const response = await fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`, { headers: { 'X-Request-Id': 'trace-me-0001' } });
      expect(response.status).toBe(200);
      const deadline = Date.now() + 10_000;
      let span: OtlpSpan | undefined;
      while (!span && Date.now() < deadline) {
        span = collector.spans.find((candidate) => attribute(candidate, 'request.id') === 'trace-me-0001');
        if (!span) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(span).toBeDefined();
      expect(span!.name).toBe('GET discovery');
      expect(attribute(span!, 'http.response.status_code')).toBe(200);
      expect(attribute(span!, 'http.route')).toBe('discovery');
    } finally {
      expect(await stopServerProcess(run)).toBe(0);
      await new Promise<void>((resolve) => collector.server.close(() => resolve()));
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
