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
  | 'user.create'
  | 'user.update'
  | 'user.delete'
  | 'user.password.set'
  | 'user.sessions.revoke'
  | 'user.grant.revoke'
  | 'user.sign_in'
  | 'user.lockout'
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

const WINDOW_MS = 60_000;

interface FailureWindow {
  startedAt: number;
  recorded: number;
  suppressed: number;
}

/**
 * Records who did what to which client. Callers pass identifiers only, never a secret or a token.
 * A failure to record is logged, not thrown: the audited operation has already happened.
 *
 * Failed authentications are what an attacker can produce at will: past failuresPerMinute per
 * action in a minute they are only counted, and the count is recorded as one summary event when
 * the minute is over, so that a flood neither fills the store nor hides in it.
 */
export class AuditTrail {
  readonly #failures = new Map<AuditAction, FailureWindow>();

  constructor(
    private readonly store: AuditStore,
    private readonly logger: Logger,
    private readonly now: () => Date,
    private readonly failuresPerMinute = Number.POSITIVE_INFINITY,
    /** Told of every event, before any flood of failures is summarised (what metrics count). */
    private readonly observe?: (record: AuditRecord) => void,
  ) {}

  async record(record: AuditRecord): Promise<void> {
    assertActor(record.actor);
    this.observe?.(record);
    if (record.outcome === 'failure' && !this.#admitFailure(record.action)) return;
    await this.#append({ id: randomUUID(), time: this.now(), ...record });
  }

  /** Writes the summary of every minute that is over (called periodically, and as windows roll over). */
  async flush(force = false): Promise<void> {
    const now = this.now().getTime();
    for (const [action, window] of this.#failures) {
      if (!force && now - window.startedAt < WINDOW_MS) continue;
      this.#failures.delete(action);
      await this.#writeSummary(action, window);
    }
  }

  #admitFailure(action: AuditAction): boolean {
    const now = this.now().getTime();
    let window = this.#failures.get(action);
    if (window && now - window.startedAt >= WINDOW_MS) {
      this.#failures.delete(action);
      void this.#writeSummary(action, window);
      window = undefined;
    }
    if (!window) {
      window = { startedAt: now, recorded: 0, suppressed: 0 };
      this.#failures.set(action, window);
    }
    if (window.recorded < this.failuresPerMinute) {
      window.recorded += 1;
      return true;
    }
    window.suppressed += 1;
    return false;
  }

  async #writeSummary(action: AuditAction, window: FailureWindow): Promise<void> {
    if (window.suppressed === 0) return;
    await this.#append({
      id: randomUUID(),
      time: this.now(),
      actor: 'system:audit',
      action,
      outcome: 'failure',
      detail: `${window.suppressed} more failures from ${new Date(window.startedAt).toISOString()} for a minute, counted but not recorded one by one`,
    });
  }

  async #append(event: AuditEvent): Promise<void> {
    try {
      await this.store.append(event);
    } catch (error) {
      this.logger.error('audit event not recorded', { action: event.action, clientId: event.clientId, error });
    }
  }
}

/** An audit event always names who acted; an action by nobody in particular is a bug, not an event. */
export function assertActor(actor: string): void {
  if (typeof actor !== 'string' || actor.trim() === '' || actor === 'undefined' || actor === 'null') {
    throw new Error(`audit event without an actor (${JSON.stringify(actor)})`);
  }
}
