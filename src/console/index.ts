export { CONSOLE_CLIENT_ID, CONSOLE_PATH, consoleClient } from './client.js';
export { consoleRoles, type ConsoleRole } from './roles.js';
export { consoleRoutes } from './routes.js';
export { createConsoleModule, type ConsoleModule, type ConsoleSignIns } from './module.js';
