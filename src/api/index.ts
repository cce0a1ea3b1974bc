/**
 * What every administrative API of the server shares: where it is served and the scope it needs,
 * keyset pages of a listing, JSON merge patches, and request bodies checked against JSON Schemas.
 */
export { ADMIN_PATH, ADMIN_SCOPE, adminResourceServer } from './admin-resource.js';
export { decodeCursor, DEFAULT_LIMIT, encodeCursor, filterValue, keysetPage, MAX_FILTER_LENGTH, MAX_LIMIT, parseLimit, singleQueryValue } from './keyset-page.js';
export { applyMergePatch } from './merge-patch.js';
export { assertValid } from './validation.js';
