export { createAdminModule, type AdminModuleDependencies } from './module.js';
