import { ENVIRONMENT_KEYS } from './environment.js';

interface SchemaNode {
  description?: string;
  type?: string;
  enum?: unknown[];
  default?: unknown;
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  items?: SchemaNode;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  $ref?: string;
}

interface RootSchema extends SchemaNode {
  $defs?: Record<string, SchemaNode>;
}

const ENVIRONMENT_BY_KEY = new Map(Object.entries(ENVIRONMENT_KEYS).map(([variable, key]) => [key as string, variable]));

function resolve(node: SchemaNode, root: RootSchema): SchemaNode {
  return node.$ref ? (root.$defs?.[node.$ref.replace('#/$defs/', '')] ?? node) : node;
}

function describeType(node: SchemaNode, root: RootSchema): string {
  if (node.enum) return node.enum.map((value) => `\`${JSON.stringify(value)}\``).join(' | ');
  if (node.type === 'array') {
    const items = resolve(node.items ?? {}, root);
    return items.properties ? 'array of objects' : `array of ${describeType(items, root)}`;
  }
  const bounds = [
    node.format,
    node.minimum !== undefined && node.maximum !== undefined ? `${node.minimum}–${node.maximum}` : undefined,
    node.minLength !== undefined && node.minLength > 1 ? `≥ ${node.minLength} chars` : undefined,
  ].filter(Boolean);
  return `${node.type ?? 'any'}${bounds.length ? ` (${bounds.join(', ')})` : ''}`;
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function rows(properties: Record<string, SchemaNode>, prefix: string, root: RootSchema, required: string[] = []): string[] {
  const lines: string[] = [];
  for (const [name, raw] of Object.entries(properties)) {
    const node = resolve(raw, root);
    const key = `${prefix}${name}`;
    const variable = prefix === '' ? ENVIRONMENT_BY_KEY.get(name) : undefined;
    const fallback = node.default === undefined
      ? (required.includes(name) ? 'required' : '—')
      : `\`${JSON.stringify(node.default)}\``;
    lines.push(`| \`${key}\` | ${variable ? `\`${variable}\`` : ''} | ${cell(describeType(node, root))} | ${cell(fallback)} | ${cell(node.description ?? '')} |`);
    const nested = node.type === 'array' ? resolve(node.items ?? {}, root) : node;
    if (nested.properties && name !== 'clients') {
      lines.push(...rows(nested.properties, `${key}${node.type === 'array' ? '[]' : ''}.`, root, nested.required));
    }
  }
  return lines;
}

/** The README's configuration reference, generated from the schema so that the two cannot drift. */
export function renderConfigurationReference(schema: RootSchema): string {
  return [
    '| Key | Environment | Type | Default | Description |',
    '| --- | --- | --- | --- | --- |',
    ...rows(schema.properties ?? {}, '', schema),
  ].join('\n');
}
