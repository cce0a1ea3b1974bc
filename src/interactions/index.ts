export { CsrfTokens } from './csrf.js';
export { createPages, type Branding, type Pages } from './pages.js';
export { formActionSource, setPageHeaders } from './page-security.js';
export { ASSETS_PATH, INTERACTION_PATH, interactionRoutes, type InteractionDependencies } from './routes.js';
export { createInteractionsModule, interactionPages } from './module.js';
