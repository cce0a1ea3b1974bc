import { EJSON, Long, type Document } from 'bson';

import { commandOf, documentsOf, withDocuments, type OpMsg } from './mongo-wire.js';

/**
 * What the conformance suite asks of MongoDB that FerretDB 1.24 does not do, and the equivalent
 * this proxy answers or sends instead. Each was seen on the wire:
 * - text indexes (createIndexes with "text" keys) and $text queries: only the suite's search box
 *   uses them; the index is answered as created, a search as finding nothing;
 * - setFeatureCompatibilityVersion at start-up: answered ok;
 * - an array directly inside an array (its browser commands, logged HTTP bodies) cannot be
 *   stored: wrapped into a one-member document on the way in, unwrapped in every reply;
 * - findAndModify's `fields` (Spring sends an empty projection, which means the whole document):
 *   dropped;
 * - update with arrayFilters (a plan recording its modules' instances): emulated by the proxy
 *   (updateWithArrayFilters), as a find and plain updates on concrete array indices.
 */

export const NESTED_ARRAY_KEY = '__conformance_proxy_nested_array';
export const NESTED_ARRAY_MARKER = Buffer.from(`${NESTED_ARRAY_KEY}\0`, 'utf8');

export type Rewrite =
  | { kind: 'reply'; reply: Document }
  | { kind: 'forward'; message: OpMsg }
  | { kind: 'array-filters'; message: OpMsg };

function isPlainDocument(value: unknown): value is Document {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    && (value as { _bsontype?: unknown })._bsontype === undefined
    && !(value instanceof Date) && !(value instanceof RegExp) && !(value instanceof Uint8Array);
}

function wrapNested(value: unknown, insideArray: boolean): unknown {
  if (Array.isArray(value)) {
    const items = value.map((item) => wrapNested(item, true));
    return insideArray ? { [NESTED_ARRAY_KEY]: items } : items;
  }
  if (isPlainDocument(value)) return Object.fromEntries(Object.entries(value).map(([key, member]) => [key, wrapNested(member, false)]));
  return value;
}

/** An update document: a replacement, or operators whose $push/$addToSet values become array elements. */
function wrapUpdate(update: unknown): unknown {
  if (!isPlainDocument(update)) return update;
  if (!Object.keys(update).some((key) => key.startsWith('$'))) return wrapNested(update, false);
  return Object.fromEntries(Object.entries(update).map(([operator, fields]) => {
    if ((operator !== '$push' && operator !== '$addToSet') || !isPlainDocument(fields)) return [operator, wrapNested(fields, false)];
    return [operator, Object.fromEntries(Object.entries(fields).map(([path, pushed]) => {
      if (isPlainDocument(pushed) && Array.isArray(pushed.$each)) {
        return [path, { ...pushed, $each: pushed.$each.map((item: unknown) => wrapNested(item, true)) }];
      }
      return [path, wrapNested(pushed, true)];
    }))];
  }));
}

export function unwrapNested(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapNested);
  if (isPlainDocument(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === NESTED_ARRAY_KEY && Array.isArray(value[NESTED_ARRAY_KEY])) return unwrapNested(value[NESTED_ARRAY_KEY]);
    return Object.fromEntries(keys.map((key) => [key, unwrapNested(value[key])]));
  }
  return value;
}

const hasTextKey = (index: Document) => Object.values((index.key ?? {}) as Document).some((direction) => direction === 'text');

function mentionsText(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(mentionsText);
  if (!isPlainDocument(value)) return false;
  return Object.entries(value).some(([key, member]) => key === '$text' || mentionsText(member));
}

/** What to do with one request: answer it here, or forward it (possibly changed). */
export function rewriteRequest(message: OpMsg): Rewrite {
  const command = commandOf(message);
  const { body } = message;
  if (command === 'setFeatureCompatibilityVersion') return { kind: 'reply', reply: { ok: 1 } };
  if (command === 'createIndexes') {
    const indexes = documentsOf(message, 'indexes');
    if (indexes.some(hasTextKey)) {
      const others = indexes.filter((index) => !hasTextKey(index));
      if (others.length === 0) return { kind: 'reply', reply: { numIndexesBefore: 1, numIndexesAfter: 1, ok: 1 } };
      return { kind: 'forward', message: withDocuments(message, 'indexes', others) };
    }
  }
  if ((command === 'find' || command === 'count' || command === 'aggregate') && mentionsText(body)) {
    if (command === 'count') return { kind: 'reply', reply: { n: 0, ok: 1 } };
    return { kind: 'reply', reply: { cursor: { firstBatch: [], id: Long.fromNumber(0), ns: `${String(body.$db)}.${String(body[command])}` }, ok: 1 } };
  }
  if (command === 'insert') {
    return { kind: 'forward', message: withDocuments(message, 'documents', documentsOf(message, 'documents').map((document) => wrapNested(document, false) as Document)) };
  }
  if (command === 'update') {
    const updates: Document[] = documentsOf(message, 'updates').map((statement) => ({ ...statement, u: wrapUpdate(statement.u) }));
    const rewritten = withDocuments(message, 'updates', updates);
    return updates.some((statement) => statement.arrayFilters !== undefined) ? { kind: 'array-filters', message: rewritten } : { kind: 'forward', message: rewritten };
  }
  if (command === 'findAndModify') {
    const { fields: _projection, ...rest } = body;
    return { kind: 'forward', message: { ...message, body: rest.update === undefined ? rest : { ...rest, update: wrapUpdate(rest.update) } } };
  }
  return { kind: 'forward', message };
}

const canonical = (value: unknown) => EJSON.stringify(value as Document, { relaxed: false });

function valueAt(document: unknown, path: string): unknown {
  let current = document;
  for (const segment of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Document)[segment];
  }
  return current;
}

/** Equality, $eq and $in: what the suite's array filters use. */
function matches(value: unknown, condition: unknown): boolean {
  if (isPlainDocument(condition) && Object.keys(condition).length > 0 && Object.keys(condition).every((key) => key.startsWith('$'))) {
    return Object.entries(condition).every(([operator, argument]) => {
      if (operator === '$eq') return matches(value, argument);
      if (operator === '$in' && Array.isArray(argument)) return argument.some((candidate) => matches(value, candidate));
      throw new Error(`arrayFilters operator ${operator} is not emulated`);
    });
  }
  if (Array.isArray(value) && !Array.isArray(condition)) return value.some((item) => canonical(item) === canonical(condition));
  return canonical(value) === canonical(condition);
}

function elementMatches(element: unknown, identifier: string, filters: Document[]): boolean {
  const filter = filters.find((candidate) => Object.keys(candidate).some((key) => key === identifier || key.startsWith(`${identifier}.`)));
  if (!filter) throw new Error(`no arrayFilter names ${identifier}`);
  return Object.entries(filter).every(([key, condition]) => matches(key === identifier ? element : valueAt(element, key.slice(identifier.length + 1)), condition));
}

/** The concrete paths a path with $[identifier] segments names in this document. */
function concretePaths(document: Document, path: string, filters: Document[]): string[] {
  let found: { segments: string[]; value: unknown }[] = [{ segments: [], value: document }];
  for (const segment of path.split('.')) {
    const positional = /^\$\[(\w*)\]$/.exec(segment);
    found = found.flatMap(({ segments, value }) => {
      if (!positional) return [{ segments: [...segments, segment], value: isPlainDocument(value) ? value[segment] : undefined }];
      if (!Array.isArray(value)) return [];
      return value.flatMap((element, index) => (positional[1] === '' || elementMatches(element, positional[1]!, filters)
        ? [{ segments: [...segments, String(index)], value: element }]
        : []));
    });
  }
  return found.map(({ segments }) => segments.join('.'));
}

/** An update with arrayFilters, made plain for one document; undefined when it changes nothing. */
export function concreteUpdate(document: Document, update: Document, filters: Document[]): Document | undefined {
  const concrete: Document = {};
  for (const [operator, fields] of Object.entries(update)) {
    const paths: Document = {};
    for (const [path, value] of Object.entries(fields as Document)) {
      for (const target of path.includes('$[') ? concretePaths(document, path, filters) : [path]) paths[target] = value;
    }
    if (Object.keys(paths).length > 0) concrete[operator] = paths;
  }
  return Object.keys(concrete).length > 0 ? concrete : undefined;
}
