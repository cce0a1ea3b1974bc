import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Anti-CSRF tokens for the sign-in and consent forms: an HMAC of the interaction's id, which only
 * a page rendered for that interaction carries. (oidc-provider's interaction cookie, SameSite=Lax,
 * already keeps a cross-site form from completing an interaction; this is the second lock.)
 */
export class CsrfTokens {
  constructor(private readonly key: Buffer) {}

  issue(interactionId: string): string {
    return createHmac('sha256', this.key).update(`interaction-form:${interactionId}`).digest('base64url');
  }

  verify(interactionId: string, token: string | undefined): boolean {
    if (token === undefined) return false;
    const expected = Buffer.from(this.issue(interactionId));
    const given = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
