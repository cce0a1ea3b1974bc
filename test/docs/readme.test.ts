import { readFileSync } from 'node:fs';

import { configurationSchema, ENVIRONMENT_KEYS, renderConfigurationReference } from '../../src/configuration/index.js';

const readme = readFileSync('README.md', 'utf8');

describe('README', () => {
  test('its configuration reference is the one generated from config/schema.json', () => {
    const start = '<!-- config-reference:start -->\n';
    const end = '\n<!-- config-reference:end -->';
    const embedded = readme.slice(readme.indexOf(start) + start.length, readme.indexOf(end));
    expect(embedded).toBe(renderConfigurationReference(configurationSchema));
  });

  test('it documents every environment variable', () => {
    for (const variable of [...Object.keys(ENVIRONMENT_KEYS), 'CONFIG_FILE']) {
      expect(readme).toContain(`| \`${variable}\` |`);
    }
  });

  test('its example configuration is valid', async () => {
    const { loadConfiguration } = await import('../../src/configuration/index.js');
    const configuration = loadConfiguration({ env: { CONFIG_FILE: 'config/example.json' } });
    expect(configuration.clients.map((client) => client.client_id)).toEqual(['demo-client', 'demo-gateway', 'demo-web-app']);
    expect(configuration.users.map((user) => user.username)).toEqual(['demo']);
    expect(readme).toContain('demo-password-change-me');
    expect(readme).toContain('demo-secret-change-me-0123456789');
    const registration = loadConfiguration({ env: { CONFIG_FILE: 'config/registration-example.json' } });
    expect(registration.registration.initialAccessTokens.map((token) => token.token)).toContain('change-me-initial-access-token-0123456789');
    expect(readme).toContain('change-me-initial-access-token-0123456789');
  });
});
