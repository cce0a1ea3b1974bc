export { createMetrics, type Metrics } from './metrics.js';
export { metricsApp, metricsRoutes, METRICS_PATH } from './routes.js';
export { metricsSnapshot, METRICS_SNAPSHOT_SCHEMA, type MetricFamily, type MetricSample } from './snapshot.js';
