import type { Registry } from 'prom-client';

/** One value of a metric: counters and gauges as they are, histograms as their _count and _sum. */
export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary';
  help: string;
  samples: MetricSample[];
}

/**
 * The registry as JSON for the admin API (the console's dashboard): what /metrics says, without
 * histogram buckets, read from this process (in a cluster, from the worker that answered).
 */
export async function metricsSnapshot(registry: Registry): Promise<MetricFamily[]> {
  const families = await registry.getMetricsAsJSON();
  // Histograms' values name their series (_bucket, _count, _sum); prom-client's types leave that out.
  const seriesName = (sample: object, family: string) => {
    const name = (sample as { metricName?: unknown }).metricName;
    return typeof name === 'string' ? name : family;
  };
  return families.map((family) => ({
    name: family.name,
    type: String(family.type) as MetricFamily['type'],
    help: family.help,
    samples: family.values
      .filter((sample) => !seriesName(sample, family.name).endsWith('_bucket') && Number.isFinite(sample.value))
      .map((sample) => ({
        name: seriesName(sample, family.name),
        labels: Object.fromEntries(Object.entries(sample.labels).map(([key, value]) => [key, String(value)])),
        value: sample.value,
      })),
  }));
}

const SAMPLE_SCHEMA = {
  type: 'object',
  required: ['name', 'labels', 'value'],
  properties: {
    name: { type: 'string' },
    labels: { type: 'object', additionalProperties: { type: 'string' } },
    value: { type: 'number' },
  },
  additionalProperties: false,
} as const;

/** GET /admin/metrics's answer. */
export const METRICS_SNAPSHOT_SCHEMA = {
  type: 'object',
  required: ['metrics'],
  properties: {
    metrics: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'type', 'help', 'samples'],
        properties: {
          name: { type: 'string' },
          type: { enum: ['counter', 'gauge', 'histogram', 'summary'] },
          help: { type: 'string' },
          samples: { type: 'array', items: SAMPLE_SCHEMA },
        },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
} as const;
