import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort, startServerProcess as startMain, waitForHealthy } from '../support/server-process.js';

describe('the server process', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'as-process-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  test('runs on Node 22 LTS', () => {
    expect(process.versions.node.split('.')[0]).toBe('22');
  });

  test('starts on the embedded store, logs JSON without the runtime warning, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const run = startMain({ PORT: String(port), DATA_DIR: dataDir });
    await waitForHealthy(`http://127.0.0.1:${port}`, run);
    const discovery = await (await fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`)).json() as { issuer: string };
    expect(discovery.issuer).toBe(`http://localhost:${port}`);

    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    const lines = run.output().trim().split('\n');
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(lines.map((line) => JSON.parse(line).msg)).toEqual(expect.arrayContaining(['store opened', 'listening', 'shutting down']));
    expect(run.output()).not.toContain('Unsupported runtime');
    expect(run.output()).not.toContain('WARNING');
  });

  test('finishes an in-flight request before exiting on SIGTERM', async () => {
    const port = await freePort();
    const run = startMain({ PORT: String(port), DATA_DIR: dataDir });
    const url = `http://127.0.0.1:${port}`;
    await waitForHealthy(url, run);
    // A token request whose body arrives after SIGTERM: the server must still answer it.
    const { request } = await import('node:http');
    const response = new Promise<number>((resolve, reject) => {
      const req = request(`${url}/token`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': '29' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.write('grant_type=client_');
      setTimeout(() => {
        run.child.kill('SIGTERM');
        setTimeout(() => req.end('credentials'), 200);
      }, 200);
    });
    expect(await response).toBe(400);
    expect(await run.exited).toBe(0);
  });

  test('metrics.port serves /metrics there, behind its token, and no longer on the main port', async () => {
    const [port, metricsPort] = [await freePort(), await freePort()];
    const configFile = join(dataDir, 'config.json');
    writeFileSync(configFile, JSON.stringify({ metrics: { port: metricsPort, token: 'metrics-token-0123456789' } }));
    const run = startMain({ CONFIG_FILE: configFile, DATA_DIR: dataDir, PORT: String(port) });
    try {
      await waitForHealthy(`http://127.0.0.1:${port}`, run);
      const scrape = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { headers: { Authorization: 'Bearer metrics-token-0123456789' } });
      expect(scrape.status).toBe(200);
      expect(await scrape.text()).toContain('http_request_duration_seconds_count');
      expect((await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).status).toBe(401);
      const elsewhere = await fetch(`http://127.0.0.1:${metricsPort}/healthz`);
      expect(elsewhere.status).toBe(404);
      expect(await elsewhere.json()).toEqual({ error: 'not_found', error_description: expect.stringContaining('/metrics') });
      expect((await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { Authorization: 'Bearer metrics-token-0123456789' } })).status).toBe(404);
    } finally {
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
    }
  });

  test('a metrics.port in use stops start-up naming the key', async () => {
    const { createServer } = await import('node:net');
    const taken = createServer();
    const metricsPort = await freePort();
    await new Promise<void>((resolve) => taken.listen(metricsPort, resolve));
    try {
      const configFile = join(dataDir, 'config.json');
      writeFileSync(configFile, JSON.stringify({ metrics: { port: metricsPort } }));
      const run = startMain({ CONFIG_FILE: configFile, DATA_DIR: dataDir, PORT: String(await freePort()) });
      expect(await run.exited).toBe(1);
      expect(run.output()).toContain('configuration error: metrics.port');
    } finally {
      taken.close();
    }
  });

  test.each([
    ['an unknown key', { resourceServers: [{ resource: 'https://a.example', scopes: [], colour: 'red' }] }, 'resourceServers[0].colour'],
    ['a wrong type', { logLevel: 5 }, 'logLevel'],
    ['a missing required value', { claims: [{ name: 'x' }] }, 'claims[0].value'],
  ])('%s in the configuration file stops start-up with a non-zero exit naming the key', async (_label, file, key) => {
    const configFile = join(dataDir, 'config.json');
    writeFileSync(configFile, JSON.stringify(file));
    const run = startMain({ CONFIG_FILE: configFile, DATA_DIR: dataDir, PORT: String(await freePort()) });
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain(`configuration error: ${key}`);
  });

  test('MongoDB without an encryption key stops start-up naming encryptionKey', async () => {
    const run = startMain({ MONGODB_URI: process.env.MONGODB_URI!, DATA_DIR: dataDir, PORT: String(await freePort()) });
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain('configuration error: encryptionKey');
  });
});
