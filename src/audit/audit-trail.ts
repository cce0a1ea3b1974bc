import { randomUUID } from 'node:crypto';

import type { Logger } from '../logging/index.js';
import type { AuditEvent, AuditStore } from '../storage/index.js';

export type AuditAction =
  | 'client.create'
  | 'client.update'
  | 'client.delete'
  | 'client.secret.rotate'
  | 'client.registration_access_token.reissue'
  | 'initial_access_token.create'
  | 'initial_access_token.revoke'
  | 'keys.rotate'
  | 'admin.authenticate'
  | 'konnect.authenticate'
  | 'registration.authenticate';

export interface AuditRecord {
  actor: string;
  action: AuditAction;
  outcome: 'success' | 'failure';
  clientId?: string | undefined;
  requestId?: string | undefined;
  detail?: string | undefined;
}

/**
 * Records who did what to which client. Callers pass identifiers only, never a secret or a token.
 * A failure to record is logged, not thrown: the audited operation has already happened.
 */
export class AuditTrail {
  constructor(
    private readonly store: AuditStore,
    private readonly logger: Logger,
    private readonly now: () => Date,
  ) {}

  async record(record: AuditRecord): Promise<void> {
    assertActor(record.actor);
    const event: AuditEvent = { id: randomUUID(), time: this.now(), ...record };
    try {
      await this.store.append(event);
    } catch (error) {
      this.logger.error('audit event not recorded', { action: record.action, clientId: record.clientId, error });
    }
  }
}

/** An audit event always names who acted; an action by nobody in particular is a bug, not an event. */
export function assertActor(actor: string): void {
  if (typeof actor !== 'string' || actor.trim() === '' || actor === 'undefined' || actor === 'null') {
    throw new Error(`audit event without an actor (${JSON.stringify(actor)})`);
  }
}
