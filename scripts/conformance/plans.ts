/** The plans a run covers: OpenID Connect's certification profiles this server offers, and the basic plan per client authentication method. */
export interface Plan {
  /** A short name for the results (file names, the report). */
  name: string;
  /** As run-test-plan.py takes it: the plan and its variants. */
  spec: string;
}

const dynamic = (name: string, spec: string): Plan => ({ name, spec });

export const PLANS: Plan[] = [
  dynamic('basic', 'oidcc-basic-certification-test-plan[server_metadata=discovery][client_registration=dynamic_client]'),
  dynamic('config', 'oidcc-config-certification-test-plan'),
  dynamic('dynamic', 'oidcc-dynamic-certification-test-plan[response_type=code]'),
  dynamic('rp-initiated-logout', 'oidcc-rp-initiated-logout-certification-test-plan[response_type=code][client_registration=dynamic_client]'),
  ...['client_secret_basic', 'client_secret_post', 'private_key_jwt'].map((method) => dynamic(
    `oidcc-${method}`,
    `oidcc-test-plan[client_auth_type=${method}][response_type=code][response_mode=default][client_registration=dynamic_client]`,
  )),
];

/** Waits for the operator to rotate the server's keys between its configuration and its start (see key-rotation.ts). */
export const KEY_ROTATION_MODULE = 'oidcc-server-rotate-keys';

/** CONFORMANCE_PLANS=basic,config picks plans by name; all of them otherwise. */
export function selectedPlans(selection: string | undefined): Plan[] {
  if (!selection) return PLANS;
  const names = selection.split(',').map((name) => name.trim()).filter(Boolean);
  const unknown = names.filter((name) => !PLANS.some((plan) => plan.name === name));
  if (unknown.length > 0) throw new Error(`CONFORMANCE_PLANS: unknown plan ${unknown.join(', ')} (known: ${PLANS.map((plan) => plan.name).join(', ')})`);
  return PLANS.filter((plan) => names.includes(plan.name));
}
