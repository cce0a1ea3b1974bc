export { konnectRoutes, KONNECT_SOURCE, type KonnectBridgeDependencies } from './routes.js';
