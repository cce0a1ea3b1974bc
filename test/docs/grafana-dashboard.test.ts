import { readFileSync } from 'node:fs';

import { createMetrics } from '../../src/metrics/index.js';

interface Panel {
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets: { expr: string }[];
}

const dashboard = JSON.parse(readFileSync('docs/grafana-dashboard.json', 'utf8')) as { uid: string; panels: Panel[] };

describe('the Grafana dashboard (docs/grafana-dashboard.json)', () => {
  test('every metric a panel queries is one the server exports', async () => {
    const metrics = createMetrics({ backend: 'sqlite', processMetrics: true });
    metrics.watchSigningKeys(() => [], () => new Date());
    const exported = new Set((await metrics.registry.getMetricsAsJSON()).map((metric) => metric.name));
    const queried = dashboard.panels.flatMap((panel) => panel.targets.flatMap((target) => [...target.expr.matchAll(/([a-z_][a-z0-9_]*)\{/g)].map((match) => match[1]!)));
    expect(queried.length).toBeGreaterThan(10);
    const unknown = queried.map((name) => name.replace(/_(bucket|count|sum)$/, '')).filter((name) => !exported.has(name));
    expect(unknown).toEqual([]);
    // Each family of the server's own metrics has a panel.
    for (const name of ['http_request_duration_seconds', 'tokens_issued_total', 'token_introspections_total', 'audit_events_total', 'store_operation_duration_seconds', 'signing_key_active_age_seconds']) {
      expect(queried.some((query) => query.startsWith(name))).toBe(true);
    }
  });

  test('panels do not overlap and every one has a query', () => {
    const cells = new Set<string>();
    for (const panel of dashboard.panels) {
      expect(panel.targets.length).toBeGreaterThan(0);
      for (let x = panel.gridPos.x; x < panel.gridPos.x + panel.gridPos.w; x += 1) {
        for (let y = panel.gridPos.y; y < panel.gridPos.y + panel.gridPos.h; y += 1) {
          const cell = `${x},${y}`;
          expect(cells.has(cell)).toBe(false);
          cells.add(cell);
        }
      }
    }
  });
});
