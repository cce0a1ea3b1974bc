import { link, pageHeading, type ConsoleContext } from '../context.js';
import { h } from '../dom.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

interface MetricFamily {
  name: string;
  samples: Sample[];
}

/** Sums the samples of a series whose labels include the given ones. */
function total(families: MetricFamily[], series: string, labels: Record<string, string> = {}): number {
  return families
    .flatMap((family) => family.samples)
    .filter((sample) => sample.name === series && Object.entries(labels).every(([key, value]) => sample.labels[key] === value))
    .reduce((sum, sample) => sum + sample.value, 0);
}

/** The sums of a series grouped by one label, largest first. */
function byLabel(families: MetricFamily[], series: string, label: string, filter: Record<string, string> = {}): [string, number][] {
  const sums = new Map<string, number>();
  for (const sample of families.flatMap((family) => family.samples)) {
    if (sample.name !== series || !Object.entries(filter).every(([key, value]) => sample.labels[key] === value)) continue;
    const key = sample.labels[label] ?? '';
    sums.set(key, (sums.get(key) ?? 0) + sample.value);
  }
  return [...sums].sort((a, b) => b[1] - a[1]);
}

const count = (value: number) => Math.round(value).toLocaleString();

/** A card: its title names the figure (a count), and each line of the breakdown is labelled, "label: value". */
function card(title: string, value: string, breakdown: [string, number | string][] = [], route?: string): HTMLElement {
  return h('article', { class: 'card' },
    h('h2', {}, title),
    h('p', { class: 'figure' }, value),
    breakdown.length === 0 ? null : h('ul', { class: 'breakdown' }, breakdown.map(([label, amount]) =>
      h('li', {}, `${label || '—'}: ${typeof amount === 'number' ? count(amount) : amount}`))),
    route ? link(route, 'Details') : null);
}

function duration(seconds: number): string {
  if (seconds < 60) return '< 1 min';
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} days`;
}

export async function dashboard(context: ConsoleContext): Promise<Node> {
  const { metrics } = await context.api.get<{ metrics: MetricFamily[] }>('/metrics');
  const audited = (action: string, outcome: string) => total(metrics, 'audit_events_total', { action, outcome });
  const keyAges = metrics.find((family) => family.name === 'signing_key_active_age_seconds')?.samples ?? [];
  return h('section', {},
    pageHeading('Dashboard'),
    h('p', { class: 'muted' }, 'Counted by the instance that answered since it started; Prometheus (/metrics) has the history and every instance.'),
    h('div', { class: 'cards' },
      card('Access tokens issued', count(total(metrics, 'tokens_issued_total', { kind: 'access_token' })), byLabel(metrics, 'tokens_issued_total', 'grant_type', { kind: 'access_token' })),
      card('Introspections', count(total(metrics, 'token_introspections_total')), byLabel(metrics, 'token_introspections_total', 'outcome')),
      card('Sign-ins', count(audited('user.sign_in', 'success')), [['failed', audited('user.sign_in', 'failure')], ['lockouts', total(metrics, 'audit_events_total', { action: 'user.lockout' })]]),
      card('Registrations', count(audited('client.create', 'success')), [['refused', audited('client.create', 'failure')]], '#/clients'),
      card('Failed client authentications', count(total(metrics, 'client_authentication_failures_total')), byLabel(metrics, 'client_authentication_failures_total', 'route')),
      card('HTTP requests', count(total(metrics, 'http_request_duration_seconds_count')), byLabel(metrics, 'http_request_duration_seconds_count', 'status')),
      card('Store errors', count(total(metrics, 'store_operation_errors_total')), byLabel(metrics, 'store_operation_errors_total', 'operation').slice(0, 5)),
      // Like every other card, the figure is a count; how long each active key has signed is a labelled line under it.
      card('Active signing keys', count(keyAges.length), [
        ...keyAges.map((sample): [string, string] => [`${sample.labels.alg ?? ''} key age`, duration(sample.value)]),
        ...byLabel(metrics, 'signing_keys', 'state').filter(([state]) => state !== 'active'),
      ], '#/keys'),
    ),
  );
}
