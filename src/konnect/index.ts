export { konnectRoutes, KONNECT_SOURCE, type KonnectBridgeDependencies } from './routes.js';
export { createKonnectModule } from './module.js';
