/**
 * Builds DOM nodes without markup strings: text is always text (textContent), so nothing an API
 * returns can become markup. The page's CSP (Trusted Types with no policy) refuses innerHTML anyway.
 */
type Child = Node | string | number | null | undefined | false;
type Attributes = Record<string, string | number | boolean | null | undefined | ((event: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.replace(/^on/, ''), value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

export function append(parent: Node, children: (Child | Child[])[]): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

export function replaceChildren(parent: Element, ...children: (Child | Child[])[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** A labelled form field; the control's id ties the label to it. */
export function field(label: string, control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, hint?: string): HTMLElement {
  const hintId = hint ? `${control.id}-hint` : undefined;
  if (hintId) control.setAttribute('aria-describedby', hintId);
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control, hint ? h('p', { class: 'hint', id: hintId }, hint) : null);
}

export function checkbox(id: string, label: string, checked: boolean): HTMLElement {
  return h('div', { class: 'check' }, h('input', { type: 'checkbox', id, checked }), h('label', { for: id }, label));
}

export function table(headings: string[], rows: (Child | Child[])[][], caption: string): HTMLElement {
  return h('div', { class: 'table-wrap' }, h('table', {},
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', {}, h('tr', {}, headings.map((heading) => h('th', { scope: 'col' }, heading)))),
    h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((cell, index) => h('td', { 'data-label': headings[index] ?? '' }, cell))))),
  ));
}

/** Label/value pairs. */
export function details(entries: [string, Child | Child[]][]): HTMLElement {
  const shown = (value: Child | Child[]) => (value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0) ? '—' : value);
  return h('dl', { class: 'details' }, entries.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, shown(value))]));
}

export const inputValue = (form: HTMLElement, id: string): string => (form.querySelector<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>(`#${id}`)?.value ?? '').trim();
export const isChecked = (form: HTMLElement, id: string): boolean => form.querySelector<HTMLInputElement>(`#${id}`)?.checked ?? false;
