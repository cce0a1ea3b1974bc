import { alertRegion, formatTime, onSubmit, pageHeading, type ConsoleContext } from '../context.js';
import { field, h, table } from '../dom.js';

interface SigningKey {
  kid: string;
  alg: string;
  generation: number;
  state: string;
  published_at: string;
  activate_at: string;
  retire_at: string | null;
  remove_at: string | null;
}

export async function signingKeys(context: ConsoleContext): Promise<Node> {
  const { keys } = await context.api.get<{ keys: SigningKey[] }>('/keys');
  const algorithms = [...new Set(keys.map((key) => key.alg))];
  const rows = keys.map((key) => [
    h('code', {}, key.kid), key.alg, String(key.generation), h('span', { class: `badge ${key.state}` }, key.state),
    formatTime(key.published_at), formatTime(key.activate_at), formatTime(key.retire_at), formatTime(key.remove_at),
  ]);
  const alert = alertRegion();
  const select = h('select', { id: 'rotate-alg' }, h('option', { value: '' }, 'Every algorithm'), algorithms.map((alg) => h('option', { value: alg }, alg)));
  const form = h('form', { class: 'stack' },
    h('h2', {}, 'Rotate now'),
    h('p', { class: 'muted' }, 'The new key is published at once and signs after the pre-publication delay; the old one stays published until its tokens expire.'),
    field('Algorithm', select),
    h('button', { type: 'submit' }, 'Rotate signing keys'),
    alert,
  );
  onSubmit(form, alert, async () => {
    const { rotations } = await context.api.send<{ rotations: { next: SigningKey }[] }>('POST', '/keys/rotate', select.value ? { alg: select.value } : {});
    context.announce(`New keys published: ${rotations.map((rotation) => `${rotation.next.alg} ${rotation.next.kid}, signing from ${formatTime(rotation.next.activate_at)}`).join('; ')}.`);
    context.navigate('#/keys');
  });
  return h('section', {},
    pageHeading('Signing keys'),
    table(['Key id', 'Algorithm', 'Generation', 'State', 'Published', 'Signs from', 'Retired', 'Removed'], rows, 'Signing keys'),
    context.canChange ? form : null,
  );
}
