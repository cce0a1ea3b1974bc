import { randomBytes, randomUUID } from 'node:crypto';

import type { SecretHasher } from '../secrets/index.js';
import {
  DuplicateClientError, type ClientListQuery, type ClientRecord, type ClientStore, type JsonObject, type ModelStore, type RegistrationStore,
} from '../storage/index.js';
import { generateSecret, type RegistrationAccessTokens } from './access-tokens.js';
import { attributesOf, ceilingOf, toStoredAttributes, type ClientAttributes } from './attributes.js';
import { clientChanged, clientGone, invalidClientMetadata, RegistrationError } from './errors.js';
import { ADMIN_CLIENT_PROPERTIES, parseClientMetadata, SERVER_ASSIGNED, type ClientMetadata } from './metadata-schema.js';
import { applyPolicy, type RegistrationPolicy } from './policy.js';
import type { SoftwareStatements } from './software-statement.js';

/** Checks metadata the way the token engine will read it (oidc-provider's client schema). */
export type MetadataValidator = (metadata: ClientMetadata) => Promise<void>;

export interface RegistrarDependencies {
  /** Where clients live (read through the client cache), what was issued to them, and each registration's progress. */
  stores: { clients: ClientStore; models: ModelStore; registrations: RegistrationStore };
  hasher: SecretHasher;
  registrationAccessTokens: RegistrationAccessTokens;
  /** The issuers whose statements are trusted, and whether every registration needs one. */
  softwareStatements: { verifier: SoftwareStatements; required: boolean };
  validate: MetadataValidator;
  now: () => Date;
  generateClientId?: () => string;
  /** Told of each registration's audit event, which the store writes with the client itself (for metrics). */
  observe?: ((event: { action: 'client.create'; outcome: 'success'; actor: string }) => void) | undefined;
}

/** Who is registering: a client itself (RFC 7591) or an administrator on its behalf. */
export interface Registrant {
  kind: 'self' | 'admin';
  policy: RegistrationPolicy;
  initialAccessTokenId?: string | undefined;
  /** Who the client belongs to, kept with it (default: the kind); a bridge manages only its own. */
  source?: string | undefined;
  /** Whether to issue an RFC 7592 registration access token (default true). */
  registrationAccessToken?: boolean | undefined;
}

export interface RegisteredClient {
  clientId: string;
  /** Effective metadata, without the secret. */
  metadata: ClientMetadata;
  clientIdIssuedAt: number;
  clientSecretExpiresAt: number;
  /** The secret in clear: only right after it was generated. */
  clientSecret?: string | undefined;
  registrationAccessToken?: string | undefined;
}

/** Who caused a change, for the audit trail. */
export interface ChangeContext {
  actor: string;
  requestId?: string | undefined;
}

/** A validated replacement, written only when committed (after, say, a registration access token rotation was won). */
export interface PreparedReplacement {
  commit(): Promise<RegisteredClient>;
}

/** Admin-only fields a self-service update keeps as they are, whatever it sends. */
const ADMINISTERED_FIELDS = Object.keys(ADMIN_CLIENT_PROPERTIES).filter((field) => !['client_id', 'client_secret_expires_at', 'self_management'].includes(field));

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * 22 alphanumeric characters (about 131 bits): nothing to escape in a URL, a header or a shell,
 * and never a leading "-" that a command line would take for an option.
 */
export function generateClientId(): string {
  let id = '';
  while (id.length < 22) {
    for (const byte of randomBytes(32)) {
      // 248 = 4 × 62: rejecting the rest keeps every character equally likely.
      if (byte < 248 && id.length < 22) id += ALPHANUMERIC[byte % 62];
    }
  }
  return id;
}

const SECRETLESS_METHODS = new Set(['private_key_jwt', 'none']);

const startOfNextSecond = (now: Date) => new Promise((resolve) => setTimeout(resolve, 1_000 - (now.getTime() % 1_000) + 1));

interface EffectiveMetadata {
  metadata: ClientMetadata;
  clientId?: string;
  clientSecretExpiresAt?: number;
  selfManagement?: boolean;
  softwareIdVerified: boolean;
}
/** Stands in for a kept (hashed) secret when the metadata is validated: only its presence matters. */
const KEPT_SECRET_STAND_IN = 'kept-secret-stand-in-0123456789abcdef';
const epochSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);

/** A replaced secret that still works until its grace period ends (stored hashed, in the client's metadata). */
export interface PreviousSecret {
  hash: string;
  expires_at: number;
}

export function previousSecrets(metadata: Record<string, unknown>): PreviousSecret[] {
  const value = metadata.previous_client_secrets;
  return Array.isArray(value) ? (value as PreviousSecret[]).filter((secret) => typeof secret?.hash === 'string') : [];
}

/**
 * The one place where clients are created, replaced and deleted. Self-registration, the admin API
 * and any bridge call it; they differ only in the Registrant (policy and privileges) they pass.
 */
export class ClientRegistrar {
  readonly #generateClientId: () => string;

  constructor(private readonly dependencies: RegistrarDependencies) {
    this.#generateClientId = dependencies.generateClientId ?? generateClientId;
  }

  /**
   * Creates a client, its registration access token (unless self-management is off) and its
   * client.create audit event, all or nothing.
   */
  async register(body: unknown, registrant: Registrant, context: ChangeContext): Promise<RegisteredClient> {
    const effective = await this.#effectiveMetadata(body, registrant);
    const { metadata, clientId: chosenId, clientSecretExpiresAt = 0 } = effective;
    // A chosen id may be one that was deleted a moment ago. Token iat has a one-second resolution
    // and a token issued before a registration is inactive: starting the registration on a fresh
    // second keeps the earlier registration's tokens dead, whatever second they were issued in.
    if (chosenId !== undefined) await startOfNextSecond(this.dependencies.now());
    const now = this.dependencies.now();
    const clientId = chosenId ?? this.#generateClientId();
    const clientSecret = SECRETLESS_METHODS.has(String(metadata.token_endpoint_auth_method)) ? undefined : generateSecret();
    const issuedAt = epochSeconds(now);
    const selfManagement = registrant.registrationAccessToken !== false && effective.selfManagement !== false;

    await this.#validate(clientId, metadata, clientSecret);
    const attributes: ClientAttributes = {
      policy: registrant.kind === 'self' ? registrant.policy.name : undefined,
      source: registrant.source ?? registrant.kind,
      initialAccessTokenId: registrant.initialAccessTokenId,
      selfManagement,
      ceiling: registrant.kind === 'admin' ? ceilingOf(metadata) : undefined,
      softwareIdVerified: metadata.software_id === undefined ? undefined : effective.softwareIdVerified,
    };
    const registrationAccessToken = selfManagement ? this.dependencies.registrationAccessTokens.generate() : undefined;
    try {
      await this.dependencies.stores.registrations.create({
        client: {
          clientId,
          metadata: this.#stored(clientId, metadata, clientSecret, issuedAt, clientSecretExpiresAt),
          attributes: toStoredAttributes(attributes),
          createdAt: now,
        },
        registrationAccessTokenKey: registrationAccessToken?.key,
        event: {
          id: randomUUID(), time: now, actor: context.actor, action: 'client.create', outcome: 'success', clientId, requestId: context.requestId,
        },
      });
    } catch (error) {
      if (error instanceof DuplicateClientError) throw invalidClientMetadata('client_id', 'is already registered');
      throw error;
    }
    this.dependencies.observe?.({ action: 'client.create', outcome: 'success', actor: context.actor });
    return { clientId, metadata, clientIdIssuedAt: issuedAt, clientSecretExpiresAt, clientSecret, registrationAccessToken: registrationAccessToken?.token };
  }

  async find(clientId: string): Promise<ClientRecord | undefined> {
    return this.dependencies.stores.clients.find(clientId);
  }

  list(query: ClientListQuery): Promise<ClientRecord[]> {
    return this.dependencies.stores.clients.list(query);
  }

  /**
   * RFC 7592 §2.2 full replacement: what the body leaves out is reset to its default; the client
   * keeps its id, its secret (unless it moves between secret and secretless authentication) and
   * the policy it registered under. A self-service replacement (kind self) is checked against the
   * policy it is given and keeps every field an administrator set; an administrator's sets what a
   * later self-service update may ask for.
   */
  async replace(existing: ClientRecord, body: unknown, registrant: Registrant): Promise<RegisteredClient> {
    return (await this.prepareReplace(existing, body, registrant)).commit();
  }

  /** Validates a replacement without writing it. */
  async prepareReplace(existing: ClientRecord, body: unknown, registrant: Registrant): Promise<PreparedReplacement> {
    const requested = body as Record<string, unknown>;
    if (registrant.kind === 'self') {
      for (const field of ['registration_access_token', 'registration_client_uri', 'client_secret_expires_at', 'client_id_issued_at']) {
        if (requested !== null && typeof requested === 'object' && field in requested) {
          throw invalidClientMetadata(field, 'must not be sent in an update');
        }
      }
      if (requested?.client_id !== existing.clientId) throw invalidClientMetadata('client_id', 'must match the client being updated');
      const presented = requested.client_secret;
      if (presented !== undefined) {
        const stored = existing.metadata.client_secret;
        if (typeof presented !== 'string' || typeof stored !== 'string' || !this.dependencies.hasher.matches(presented, stored)) {
          throw invalidClientMetadata('client_secret', 'does not match the current secret');
        }
      }
    }
    const effective = await this.#effectiveMetadata(body, registrant);
    const { metadata, clientId: requestedId, clientSecretExpiresAt } = effective;
    if (requestedId !== undefined && requestedId !== existing.clientId) throw invalidClientMetadata('client_id', 'cannot be changed');
    if (registrant.kind === 'self') {
      for (const field of ADMINISTERED_FIELDS) {
        if (existing.metadata[field] === undefined) delete metadata[field];
        else metadata[field] = existing.metadata[field];
      }
    }
    const needsSecret = !SECRETLESS_METHODS.has(String(metadata.token_endpoint_auth_method));
    const storedSecret = typeof existing.metadata.client_secret === 'string' ? existing.metadata.client_secret : undefined;
    const newSecret = needsSecret && storedSecret === undefined ? generateSecret() : undefined;
    const issuedAt = Number(existing.metadata.client_id_issued_at ?? epochSeconds(existing.createdAt));
    const secretExpiresAt = clientSecretExpiresAt ?? Number(existing.metadata.client_secret_expires_at ?? 0);

    await this.#validate(existing.clientId, metadata, newSecret ?? (needsSecret ? KEPT_SECRET_STAND_IN : undefined));
    const stored = this.#stored(existing.clientId, metadata, newSecret, issuedAt, secretExpiresAt);
    if (needsSecret && newSecret === undefined) {
      stored.client_secret = storedSecret;
      if (existing.metadata.previous_client_secrets !== undefined) stored.previous_client_secrets = existing.metadata.previous_client_secrets;
    }
    const previous = attributesOf(existing);
    const attributes: ClientAttributes = registrant.kind === 'self'
      ? { ...previous }
      : { ...previous, ceiling: ceilingOf(metadata), selfManagement: registrant.registrationAccessToken !== false && effective.selfManagement !== false };
    attributes.softwareIdVerified = metadata.software_id === undefined ? undefined : effective.softwareIdVerified;

    return {
      commit: async () => {
        await this.#update({ ...existing, metadata: stored, attributes: toStoredAttributes(attributes) });
        if (previous.selfManagement !== false && attributes.selfManagement === false) {
          await this.dependencies.registrationAccessTokens.revokeAll(existing.clientId);
        }
        return { clientId: existing.clientId, metadata, clientIdIssuedAt: issuedAt, clientSecretExpiresAt: secretExpiresAt, clientSecret: newSecret };
      },
    };
  }

  /** Deletes the client and everything issued to it: opaque tokens, registration access tokens. */
  async delete(clientId: string): Promise<boolean> {
    const deleted = await this.dependencies.stores.clients.delete(clientId);
    await this.dependencies.stores.models.destroyByClientId(clientId);
    return deleted;
  }

  /**
   * A new secret for the client. The old one stops working at once, or keeps working for
   * graceSeconds (zero-downtime rotation); secrets whose grace has ended are forgotten.
   */
  async rotateSecret(existing: ClientRecord, graceSeconds: number): Promise<{ clientSecret: string; clientSecretExpiresAt: number }> {
    if (SECRETLESS_METHODS.has(String(existing.metadata.token_endpoint_auth_method))) {
      throw new RegistrationError('invalid_request', `the client authenticates with ${String(existing.metadata.token_endpoint_auth_method)}, not a secret`);
    }
    const now = epochSeconds(this.dependencies.now());
    const previous = previousSecrets(existing.metadata).filter((secret) => secret.expires_at > now);
    if (graceSeconds > 0 && typeof existing.metadata.client_secret === 'string') {
      previous.push({ hash: existing.metadata.client_secret, expires_at: now + graceSeconds });
    }
    const clientSecret = generateSecret();
    const metadata: JsonObject = { ...existing.metadata, client_secret: this.dependencies.hasher.hash(clientSecret), client_secret_expires_at: 0 };
    if (previous.length > 0) metadata.previous_client_secrets = previous;
    else delete metadata.previous_client_secrets;
    await this.#update({ ...existing, metadata });
    return { clientSecret, clientSecretExpiresAt: 0 };
  }

  async #effectiveMetadata(body: unknown, registrant: Registrant): Promise<EffectiveMetadata> {
    const requested = parseClientMetadata(body, registrant.kind);
    const adminChosen = registrant.kind === 'admin'
      ? {
          clientId: requested.client_id as string | undefined,
          clientSecretExpiresAt: requested.client_secret_expires_at as number | undefined,
          selfManagement: requested.self_management as boolean | undefined,
        }
      : {};
    for (const field of SERVER_ASSIGNED) delete requested[field];
    delete requested.self_management;
    // An administrator vouches for what it sets; a client's own software_id is only a claim.
    let softwareIdVerified = registrant.kind === 'admin';

    const statement = requested.software_statement;
    delete requested.software_statement;
    if (statement === undefined) {
      if (this.dependencies.softwareStatements.required || registrant.policy.requireSoftwareStatement) {
        throw invalidClientMetadata('software_statement', 'is required');
      }
    } else {
      const claims = parseClientMetadata(await this.dependencies.softwareStatements.verifier.verify(statement));
      for (const field of SERVER_ASSIGNED) delete claims[field];
      Object.assign(requested, claims);
      if (claims.software_id !== undefined) softwareIdVerified = true;
    }
    const metadata = applyPolicy(requested, registrant.policy);
    return {
      metadata,
      softwareIdVerified,
      ...(adminChosen.clientId === undefined ? {} : { clientId: adminChosen.clientId }),
      ...(adminChosen.clientSecretExpiresAt === undefined ? {} : { clientSecretExpiresAt: adminChosen.clientSecretExpiresAt }),
      ...(adminChosen.selfManagement === undefined ? {} : { selfManagement: adminChosen.selfManagement }),
    };
  }

  /** Writes a client as it was read, or nothing: a change or a delete made meanwhile wins. */
  async #update(record: ClientRecord): Promise<void> {
    if (await this.dependencies.stores.clients.update(record)) return;
    throw (await this.dependencies.stores.clients.find(record.clientId)) ? clientChanged() : clientGone();
  }

  async #validate(clientId: string, metadata: ClientMetadata, clientSecret: string | undefined): Promise<void> {
    try {
      await this.dependencies.validate({ ...metadata, client_id: clientId, ...(clientSecret ? { client_secret: clientSecret } : {}) });
    } catch (error) {
      if (error instanceof RegistrationError) throw error;
      const { error: code, error_description: description, message } = error as { error?: string; error_description?: string; message?: string };
      const known = code === 'invalid_redirect_uri' ? code : 'invalid_client_metadata';
      throw new RegistrationError(known, description ?? message ?? 'invalid client metadata');
    }
  }

  #stored(clientId: string, metadata: ClientMetadata, clientSecret: string | undefined, issuedAt: number, secretExpiresAt = 0): JsonObject {
    return {
      ...metadata,
      client_id: clientId,
      client_id_issued_at: issuedAt,
      client_secret_expires_at: secretExpiresAt,
      ...(clientSecret ? { client_secret: this.dependencies.hasher.hash(clientSecret) } : {}),
    };
  }
}
