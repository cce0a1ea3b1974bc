import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import yaml from 'js-yaml';
import request from 'supertest';

import { ENVIRONMENT_KEYS, loadConfiguration } from '../../src/configuration/index.js';
import { sqliteBackend } from '../support/backends.js';
import { startTestServer } from '../support/test-server.js';

/**
 * The production recipes (deploy/), checked without a Docker engine or a cluster: the Compose
 * file with compose-go, the library Docker Compose is built on (scripts/compose-check, built from
 * the Go module proxy), the Kubernetes manifests by reading them against the server itself.
 */

const ENCRYPTION_KEY = 'deploy-test-encryption-key-0123456789abcdef';

function buildComposeCheck(): string {
  const binary = join(mkdtempSync(join(tmpdir(), 'compose-check-')), 'compose-check');
  execFileSync('go', ['build', '-o', binary, '.'], { cwd: 'scripts/compose-check', stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, GOFLAGS: '-mod=mod' } });
  return binary;
}

function configurationFrom(text: string, env: Record<string, string>) {
  return loadConfiguration({ env: { CONFIG_FILE: 'deployed.json', ...env }, readFile: () => text });
}

describe('deploy/compose.yaml', () => {
  let composeCheck: string;
  beforeAll(() => {
    composeCheck = buildComposeCheck();
  }, 300_000);
  afterAll(() => rmSync(join(composeCheck, '..'), { recursive: true, force: true }));

  test('loads as docker compose would: MongoDB as a replica set, two servers behind a TLS proxy, secrets from files', () => {
    const run = spawnSync(composeCheck, ['compose.yaml'], { cwd: 'deploy', encoding: 'utf8' });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    const project = yaml.load(run.stdout) as {
      services: Record<string, { environment?: Record<string, string>; secrets?: { source: string }[]; ports?: unknown[]; networks?: Record<string, { ipv4_address?: string } | null>; command?: string[] }>;
      secrets: Record<string, { file: string }>;
    };
    expect(Object.keys(project.services).sort()).toEqual(['authz-1', 'authz-2', 'mongodb', 'proxy']);
    expect(project.services.mongodb!.command).toEqual(expect.arrayContaining(['--replSet', 'rs0']));
    for (const name of ['authz-1', 'authz-2']) {
      const service = project.services[name]!;
      expect(service.environment?.MONGODB_URI).toMatch(/replicaSet=rs0/);
      expect(service.environment).not.toHaveProperty('ENCRYPTION_KEY');
      expect(service.environment).not.toHaveProperty('ADMIN_TOKEN');
      expect(service.secrets?.map((secret) => secret.source).sort()).toEqual(['admin_token', 'encryption_key']);
      expect(service.ports ?? []).toEqual([]);
    }
    expect(Object.keys(project.secrets).sort()).toEqual(['admin_token', 'encryption_key']);

    // The server trusts forwarding headers from the proxy's fixed address, and from nothing else.
    const proxyAddress = project.services.proxy!.networks?.backend?.ipv4_address;
    const configuration = configurationFrom(readFileSync('deploy/config.json', 'utf8'), {
      MONGODB_URI: 'mongodb://mongodb:27017/authz?replicaSet=rs0', ENCRYPTION_KEY, ISSUER: 'https://auth.example.com',
    });
    expect(configuration.http.trustedProxies?.addresses).toEqual([proxyAddress]);
    const caddyfile = readFileSync('deploy/Caddyfile', 'utf8');
    expect(caddyfile).toMatch(/reverse_proxy authz-1:3000 authz-2:3000/);
    expect(caddyfile).toMatch(/header_up X-Forwarded-For \{remote_host\}/);
  });

  test('the checker refuses what docker compose would refuse', () => {
    const dir = mkdtempSync(join(tmpdir(), 'compose-broken-'));
    try {
      writeFileSync(join(dir, 'compose.yaml'), 'services:\n  app:\n    image: x\n    restart: sometimes-maybe\n    not_a_compose_key: true\n');
      const run = spawnSync(composeCheck, ['compose.yaml'], { cwd: dir, encoding: 'utf8' });
      expect(run.status).not.toBe(0);
      expect(run.stderr).toMatch(/not_a_compose_key|additional properties/i);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('deploy/kubernetes/authorization-server.yaml', () => {
  interface Manifest {
    kind: string;
    metadata: { name: string; labels?: Record<string, string> };
    spec?: Record<string, unknown>;
    data?: Record<string, string>;
    stringData?: Record<string, string>;
  }
  const manifests = yaml.loadAll(readFileSync('deploy/kubernetes/authorization-server.yaml', 'utf8')) as Manifest[];
  const byKind = (kind: string) => manifests.find((manifest) => manifest.kind === kind)!;

  test('a Secret, a ConfigMap, a Deployment, a Service and a PodDisruptionBudget that agree with each other', () => {
    expect(manifests.map((manifest) => manifest.kind)).toEqual(['Secret', 'ConfigMap', 'Deployment', 'Service', 'PodDisruptionBudget']);
    const deployment = byKind('Deployment').spec as {
      replicas: number; selector: { matchLabels: Record<string, string> };
      template: { metadata: { labels: Record<string, string> }; spec: { containers: { env: { name: string; value: string }[]; resources: { requests: { cpu: string } } }[] } };
    };
    const podLabels = deployment.template.metadata.labels;
    expect(deployment.selector.matchLabels).toEqual(podLabels);
    expect((byKind('Service').spec as { selector: Record<string, string> }).selector).toEqual(podLabels);
    expect((byKind('PodDisruptionBudget').spec as { selector: { matchLabels: Record<string, string> }; minAvailable: number }).selector.matchLabels).toEqual(podLabels);
    expect((byKind('PodDisruptionBudget').spec as { minAvailable: number }).minAvailable).toBeLessThan(deployment.replicas);
    expect(deployment.template.spec.containers[0]!.resources.requests.cpu).toBe('1');

    // Every secret is an environment variable the server reads, and the configuration is valid with them.
    const secrets = byKind('Secret').stringData!;
    for (const name of Object.keys(secrets)) expect(Object.keys(ENVIRONMENT_KEYS)).toContain(name);
    const issuer = deployment.template.spec.containers[0]!.env.find((variable) => variable.name === 'ISSUER')!.value;
    const configuration = configurationFrom(byKind('ConfigMap').data!['config.json']!, { ...secrets, ISSUER: issuer });
    expect(configuration.mongodbUri).toMatch(/replicaSet=rs0/);
  });

  test('its probes name endpoints the server answers: readiness /healthz, liveness /healthz/live', async () => {
    const container = ((byKind('Deployment').spec as { template: { spec: { containers: Record<string, { httpGet: { path: string } }>[] } } })
      .template.spec.containers[0])!;
    expect(container.readinessProbe!.httpGet.path).toBe('/healthz');
    expect(container.livenessProbe!.httpGet.path).toBe('/healthz/live');
    const server = await startTestServer(sqliteBackend);
    try {
      for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
        await request(server.url).get(container[probe]!.httpGet.path).expect(200);
      }
    } finally {
      await server.destroy();
    }
  });
});

describe('the command that starts the server', () => {
  // Node 22 runs AsyncLocalStorage on promise hooks unless this flag is given (Node 24 does by default);
  // the hooks cost about a tenth of the CPU of a token request (docs/performance.md).
  const RUNTIME_FLAG = '--experimental-async-context-frame';

  test('npm start, the Docker image and the Compose recipe all run main.js with the same Node flags', () => {
    const flagsBefore = (command: string) => /node ((?:--[\w=-]+ )*)dist\/src\/main\.js/.exec(command)?.[1]?.trim().split(' ').sort();
    const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
    const dockerCommand = (JSON.parse(/^CMD (\[.*\])$/m.exec(readFileSync('Dockerfile', 'utf8'))![1]!) as string[]).join(' ');
    const composeCommand = /exec (node .*main\.js)/.exec(readFileSync('deploy/compose.yaml', 'utf8'))![1]!;

    const npmStart = flagsBefore(scripts.start!);
    expect(npmStart).toContain(RUNTIME_FLAG);
    expect(flagsBefore(dockerCommand)).toEqual(npmStart);
    expect(flagsBefore(composeCommand)).toEqual(npmStart);
    expect(scripts.test).toContain(RUNTIME_FLAG);
    expect(scripts.bench).toContain(RUNTIME_FLAG);
  });
});
