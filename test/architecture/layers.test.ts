import { fileURLToPath } from 'node:url';

import { dependencyCounts, importsBetweenRooms, layerViolations, moduleSpecifiers, roomCircles, UNREADABLE, type Import, type Layers } from './source-graph.js';

// The tests run from dist/test/architecture; the sources they read are the TypeScript ones.
const SOURCES = fileURLToPath(new URL('../../../src/', import.meta.url));

const LAYERS: Layers = {
  ground: new Set(['http', 'storage', 'logging', 'claims', 'secrets']),
  belowDomains: new Set(['configuration']),
  top: new Set(['server', 'start', 'main']),
  domains: new Set([
    'platform', 'api', 'audit', 'metrics', 'tracing', 'keys', 'users', 'console', 'provider', 'registration', 'admin', 'interactions',
    'discovery', 'konnect', 'maintenance', 'cluster', 'cli',
  ]),
};

const MAX_DEPENDENCIES = 8;

const edge = (from: string, to: string): Import => ({ from, to, fromFile: `${from}/a.ts`, toFile: `${to}/b.ts` });

/**
 * The house's order (issue 20): the ground knows no domain, the configuration knows only the
 * ground, no domain reaches the composition, no circle between rooms, and no function takes more
 * than eight dependencies.
 */
describe('the sources\' layers', () => {
  const imports = importsBetweenRooms(SOURCES);

  test('the graph is read: the composition imports the domains, the domains the ground', () => {
    const pairs = new Set(imports.map(({ from, to }) => `${from}->${to}`));
    expect(pairs).toContain('server->provider');
    expect(pairs).toContain('admin->http');
    expect(pairs).toContain('start->server');
  });

  test('no import climbs: the ground imports only the ground, the configuration only the ground, a domain never the top', () => {
    expect(layerViolations(imports, LAYERS)).toEqual([]);
  });

  test('no circle between rooms', () => {
    expect(roomCircles(imports)).toEqual([]);
  });

  test(`no function takes more than ${MAX_DEPENDENCIES} dependencies`, () => {
    expect(dependencyCounts(SOURCES).filter(({ count }) => count > MAX_DEPENDENCIES)).toEqual([]);
  });

  test('the checks catch what they are for: an import up from the ground or a domain, and a circle', () => {
    expect(layerViolations([edge('http', 'provider'), edge('admin', 'server'), edge('configuration', 'users'), edge('admin', 'http')], LAYERS)).toEqual([
      'http/a.ts (the ground) imports provider/b.ts (a domain)',
      'admin/a.ts (a domain) imports server/b.ts (the top)',
      'configuration/a.ts (the configuration) imports users/b.ts (a domain)',
    ]);
    expect(roomCircles([edge('users', 'admin'), edge('admin', 'api'), edge('api', 'users'), edge('admin', 'http')])).toEqual([['admin', 'api', 'users']]);
    expect(layerViolations([edge('newroom', 'http'), { ...edge('admin', 'http'), to: UNREADABLE, toFile: '(unreadable: a computed path)' }], LAYERS)).toEqual([
      'newroom/a.ts imports http/b.ts: newroom is in no layer',
      'admin/a.ts imports (unreadable: a computed path), which the layers cannot place',
    ]);
  });

  test('every way a file can name another is read, and a computed one is reported', () => {
    const text = [
      "import { a } from './a.js';",
      "import type { B } from '../b/index.js';",
      "export * from './c.js';",
      "export * as d from '../d.js';",
      "export type * as E from '../e.js';",
      "type F = typeof import('../f.js');",
      "const g = await import('../g.js');",
      "const h = require('../h.js');",
      "const path = '../i.js'; await import(path);",
      "import { readFileSync } from 'node:fs';",
    ].join('\n');
    expect(moduleSpecifiers('x.ts', text)).toEqual(['./a.js', '../b/index.js', './c.js', '../d.js', '../e.js', '../f.js', '../g.js', '../h.js', undefined, 'node:fs']);
  });
});
