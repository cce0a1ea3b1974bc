import { Agent, fetch } from 'undici';

import { waitFor } from './processes.js';
import type { RunningServer } from './authorization-server.js';
import type { SuiteApi } from './suite.js';

interface CreatedModule { id: string }
interface ModuleInfo { status?: string }

async function signingKeyIds(server: RunningServer, dispatcher: Agent): Promise<string[]> {
  const response = await fetch(`${server.issuer}/jwks`, { dispatcher });
  const { keys } = await response.json() as { keys: { kid: string; use?: string }[] };
  return keys.filter((key) => key.use === undefined || key.use === 'sig').map((key) => key.kid);
}

/**
 * oidcc-server-rotate-keys, as an operator runs it: the module reads the JWKS when it is
 * configured, waits while the operator rotates the server's keys, and on its start checks that the
 * JWKS has a new signing key (and still the old one). run-test-plan.py starts it at once; here
 * the rotation (our admin API) comes between.
 */
export async function runKeyRotationModule(
  api: SuiteApi,
  { planId, module, variant }: { planId: string; module: string; variant: Record<string, string> },
  server: RunningServer,
  ca: string,
): Promise<string> {
  const dispatcher = new Agent({ connect: { ca } });
  try {
    const created = await api.json<CreatedModule>('runner', { method: 'POST', query: { test: module, plan: planId, variant: JSON.stringify(variant) } });
    const status = async () => (await api.json<ModuleInfo>(`info/${created.id}`)).status;
    await waitFor(`${module} configured`, async () => (await status()) === 'CONFIGURED', 120_000);
    const before = await signingKeyIds(server, dispatcher);
    const rotated = await fetch(`${server.issuer}/admin/keys/rotate`, {
      method: 'POST', dispatcher, headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ alg: 'RS256' }),
    });
    if (!rotated.ok) throw new Error(`POST /admin/keys/rotate: HTTP ${rotated.status} ${await rotated.text()}`);
    await waitFor('the new key in the JWKS', async () => (await signingKeyIds(server, dispatcher)).some((kid) => !before.includes(kid)), 60_000);
    await api.json(`runner/${created.id}`, { method: 'POST' });
    await waitFor(`${module} finished`, async () => ['FINISHED', 'INTERRUPTED'].includes((await status()) ?? ''), 240_000);
    return created.id;
  } finally {
    await dispatcher.close();
  }
}
