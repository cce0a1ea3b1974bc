export { createMetrics, type Metrics } from './metrics.js';
export { metricsRoutes, METRICS_PATH } from './routes.js';
