import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import { Agent, fetch } from 'undici';

import type { Processes } from './processes.js';

/** The suite commit the runner, its browser tasks and its expected failures were written against. */
export const SUITE_COMMIT = '12f2a4dac6462f8a4e95968bc7e478e02881e1a7';
export const SUITE_JAR = join('target', 'fapi-test-suite.jar');

export function checkSuiteDirectory(directory: string): void {
  const missing = [SUITE_JAR, join('scripts', 'run-test-plan.py')].filter((file) => !existsSync(join(directory, file)));
  if (missing.length > 0) {
    throw new SetupError(`CONFORMANCE_SUITE_DIR=${directory} lacks ${missing.join(' and ')}: point it at a checkout of the OpenID Foundation's `
      + `conformance suite (written against commit ${SUITE_COMMIT}) with its jar built`);
  }
}

export class SetupError extends Error {}

function javaMajor(java: string): number {
  // java -version writes to standard error.
  const { stdout, stderr } = spawnSync(java, ['-version'], { encoding: 'utf8' });
  return Number(/version "(\d+)/.exec(`${stderr ?? ''}${stdout ?? ''}`)?.[1] ?? 0);
}

/** A Java of at least 21 (the suite's release level): JAVA_HOME, then every JDK under /usr/lib/jvm, then PATH. */
export function findJava(): string {
  const candidates = [
    ...(process.env.JAVA_HOME ? [join(process.env.JAVA_HOME, 'bin', 'java')] : []),
    ...(existsSync('/usr/lib/jvm') ? readdirSync('/usr/lib/jvm').map((name) => join('/usr/lib/jvm', name, 'bin', 'java')) : []),
    'java',
  ];
  const usable = candidates
    .filter((java) => java === 'java' || existsSync(java))
    .map((java) => ({ java, major: javaMajor(java) }))
    .filter(({ major }) => major >= 21)
    .sort((a, b) => b.major - a.major);
  if (usable.length === 0) throw new SetupError('the conformance suite needs a Java of at least 21 (JAVA_HOME, or a JDK under /usr/lib/jvm)');
  return usable[0]!.java;
}

export interface SuiteEndpoints {
  httpPort: number;
  /** Its public, TLS address (nginx), from which it builds its URLs. */
  baseUrl: string;
  mongodbUri: string;
}

export function startSuite(java: string, directory: string, endpoints: SuiteEndpoints, processes: Processes) {
  return processes.start('suite', java, [
    '-Xmx2g',
    '-jar', join(directory, SUITE_JAR),
    '--server.address=127.0.0.1', `--server.port=${endpoints.httpPort}`,
    `--spring.mongodb.uri=${endpoints.mongodbUri}`,
    `--fintechlabs.base_url=${endpoints.baseUrl}`,
    // Only OpenID Connect plans run: the mTLS address is never used.
    `--fintechlabs.base_mtls_url=${endpoints.baseUrl}`,
    // Dev mode: no sign-in to the suite, its API without tokens (run-test-plan.py's CONFORMANCE_DEV_MODE).
    '--fintechlabs.devmode=true', '--fintechlabs.startredir=false',
    // Its sign-in providers would fetch gitlab.com's and Google's discovery at start-up: nowhere instead.
    '--oidc.gitlab.iss=https://127.0.0.1:9/', '--oidc.google.iss=https://127.0.0.1:9/',
  ], { cwd: directory });
}

/** The suite's REST API (dev mode: no token), over its TLS front. */
export class SuiteApi {
  readonly #dispatcher: Agent;

  constructor(readonly baseUrl: string, ca: string) {
    this.#dispatcher = new Agent({ connect: { ca } });
  }

  async json<T>(path: string, init: { method?: string; query?: Record<string, string>; body?: string } = {}): Promise<T> {
    const url = new URL(`api/${path}`, `${this.baseUrl}/`);
    for (const [key, value] of Object.entries(init.query ?? {})) url.searchParams.set(key, value);
    const response = await fetch(url, {
      method: init.method ?? 'GET',
      dispatcher: this.#dispatcher,
      ...(init.body === undefined ? {} : { body: init.body, headers: { 'content-type': 'application/json' } }),
    });
    if (!response.ok) throw new Error(`suite API ${init.method ?? 'GET'} ${url.pathname}: HTTP ${response.status} ${(await response.text()).slice(0, 300)}`);
    return await response.json() as T;
  }

  async ready(): Promise<boolean> {
    await this.json('plan', { query: { length: '1' } });
    return true;
  }

  close(): Promise<void> {
    return this.#dispatcher.close();
  }
}
