import { errors, type KoaContextWithOIDC } from 'oidc-provider';

/** Client metadata kept beyond what oidc-provider recognises (RFC 7591 software statement fields, our profile). */
export const EXTRA_CLIENT_METADATA = [
  'software_id', 'software_version', 'profile', 'default_resource', 'allowed_resources', 'previous_client_secrets', 'first_party', 'require_pkce',
] as const;

const BOOLEAN_METADATA = new Set(['first_party', 'require_pkce']);

export function validateExtraClientMetadata(_ctx: KoaContextWithOIDC | undefined, key: string, value: unknown): void {
  if (value === undefined) return;
  if (BOOLEAN_METADATA.has(key)) {
    if (typeof value !== 'boolean') throw new errors.InvalidClientMetadata(`${key} must be a boolean`);
    return;
  }
  if (key === 'allowed_resources') {
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
      throw new errors.InvalidClientMetadata('allowed_resources must be an array of strings');
    }
    return;
  }
  if (key === 'previous_client_secrets') {
    if (!Array.isArray(value)) throw new errors.InvalidClientMetadata('previous_client_secrets must be an array');
    return;
  }
  if (key === 'profile') {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new errors.InvalidClientMetadata('profile must be a JSON object');
    }
    return;
  }
  if (typeof value !== 'string') throw new errors.InvalidClientMetadata(`${key} must be a string`);
}
