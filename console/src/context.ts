import { ApiFailure, type Api } from './api.js';
import { h, replaceChildren } from './dom.js';

/** What every page gets: the admin API, whether the administrator may change anything, and navigation. */
export interface ConsoleContext {
  api: Api;
  canChange: boolean;
  /** The #/ route's query parameters. */
  params: URLSearchParams;
  navigate(route: string): void;
  /** Shows the current route again, read afresh from the API. */
  refresh(): void;
  /** Says something to screen readers and sighted users alike (the status region). */
  announce(message: string): void;
}

export type Page = (context: ConsoleContext, ...pathParameters: string[]) => Promise<Node>;

export function describeError(error: unknown): string {
  if (error instanceof ApiFailure) return `${error.message} (${error.error}, ${error.status})`;
  return error instanceof Error ? error.message : String(error);
}

export const alertRegion = (): HTMLElement => h('div', { class: 'error', role: 'alert' });

/**
 * Runs an action with its buttons disabled meanwhile; the API's refusal is shown in the alert
 * region (focused, so that it is read out), never lost.
 */
function runReportingErrors(buttons: HTMLButtonElement[], alert: HTMLElement, action: () => Promise<void>): void {
  buttons.forEach((button) => (button.disabled = true));
  replaceChildren(alert);
  action()
    .catch((error: unknown) => {
      replaceChildren(alert, describeError(error));
      alert.tabIndex = -1;
      alert.focus();
    })
    .finally(() => buttons.forEach((button) => (button.disabled = false)));
}

/** Runs a form's action on submit, reporting a refusal in the form's alert region. */
export function onSubmit(form: HTMLFormElement, alert: HTMLElement, action: () => Promise<void>): HTMLFormElement {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    runReportingErrors([...form.querySelectorAll('button')], alert, action);
  });
  return form;
}

/** A button that runs an action (with the same error handling as a form). */
export function actionButton(label: string, alert: HTMLElement, action: () => Promise<void>, kind = 'secondary'): HTMLButtonElement {
  const button = h('button', { type: 'button', class: kind });
  button.textContent = label;
  button.addEventListener('click', () => runReportingErrors([button], alert, action));
  return button;
}

/**
 * A dangerous action asks twice: the first press shows what will happen and a confirming button
 * (in the page, not a browser dialog, so that it is keyboard- and screen-reader-friendly).
 */
export function confirmButton(label: string, warning: string, alert: HTMLElement, action: () => Promise<void>): HTMLElement {
  const wrapper = h('span', { class: 'confirm' });
  const ask = h('button', { type: 'button', class: 'danger' }, label);
  ask.addEventListener('click', () => {
    const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
    const confirm = actionButton(`Yes, ${label.toLowerCase()}`, alert, action, 'danger');
    cancel.addEventListener('click', () => replaceChildren(wrapper, ask));
    replaceChildren(wrapper, h('span', { class: 'warning' }, warning), ' ', confirm, ' ', cancel);
    confirm.focus();
  });
  wrapper.append(ask);
  return wrapper;
}

/** A credential shown once: selectable, with a copy button and a warning that it will not be shown again. */
export function shownOnce(label: string, value: string): HTMLElement {
  const id = `secret-${label.toLowerCase().replace(/[^a-z]+/g, '-')}`;
  const input = h('input', { id, type: 'text', readonly: true, value, class: 'secret', spellcheck: 'false', autocomplete: 'off' });
  const copy = h('button', { type: 'button', class: 'secondary' }, 'Copy');
  copy.addEventListener('click', () => {
    void navigator.clipboard?.writeText(value).then(() => (copy.textContent = 'Copied'));
  });
  return h('div', { class: 'once', role: 'region', 'aria-label': label },
    h('label', { for: id }, label), h('div', { class: 'once-value' }, input, copy),
    h('p', { class: 'hint' }, 'Copy it now: it is stored only as a hash and is not shown again.'));
}

export const formatTime = (value: string | number | null | undefined): string => {
  if (value === null || value === undefined) return '—';
  const date = typeof value === 'number' ? new Date(value * 1000) : new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
};

export const link = (route: string, text: string): HTMLAnchorElement => h('a', { href: route }, text);

export function pageHeading(title: string, ...actions: (Node | null | false)[]): HTMLElement {
  return h('div', { class: 'page-heading' }, h('h1', {}, title), h('div', { class: 'actions' }, actions.filter((action): action is Node => Boolean(action))));
}
