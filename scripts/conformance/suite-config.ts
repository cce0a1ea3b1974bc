/**
 * The suite's test configuration for our server: where its discovery is, the clients it registers
 * (dynamic registration: names only), and the browser automation that drives our sign-in,
 * consent, error and logout pages (the suite's own `browser` tasks; selectors are ours).
 */

type Command = (string | number)[];
interface Task { task: string; match: string; optional?: boolean; commands?: Command[] }
interface BrowserFlow { match: string; tasks: Task[]; comment?: string }

export interface SuiteConfigInput {
  /** Our server's issuer (its TLS front). */
  issuer: string;
  username: string;
  password: string;
}

/** How long a browser task waits for our page (a loaded machine runs the suite, nginx, Chromium and our server). */
const WAIT_SECONDS = 30;
const ERROR_PAGE = 'Something went wrong';

export function suiteConfig({ issuer, username, password }: SuiteConfigInput): Record<string, unknown> {
  const signIn = (placeholder?: string): Task => ({
    task: 'Sign in',
    optional: true,
    match: `${issuer}/interaction*`,
    commands: [
      ...(placeholder ? [['wait', 'xpath', '//*', WAIT_SECONDS, placeholder, 'update-image-placeholder-optional']] : []),
      ['text', 'name', 'username', username, 'optional'],
      ['text', 'name', 'password', password, 'optional'],
      // The sign-in page's "Sign in"; when the browser is signed in already, the consent page's "Allow".
      ['click', 'css', 'button.primary'],
    ],
  });
  const consent: Task = { task: 'Consent', optional: true, match: `${issuer}/interaction*`, commands: [['click', 'css', 'button[name=decision][value=approve]', 'optional']] };
  const complete: Task = { task: 'Verify complete', match: '*/test/*/callback*', commands: [['wait', 'id', 'submission_complete', WAIT_SECONDS]] };
  const authorization = (placeholder?: string): BrowserFlow => ({ match: `${issuer}/auth*`, tasks: [signIn(placeholder), consent, complete] });
  const confirmLogout: Task = { task: 'Confirm logout', match: `${issuer}/session/end*`, commands: [['click', 'css', 'button[name=logout][value=yes]']] };
  const logout: BrowserFlow = { match: `${issuer}/session/end*`, tasks: [confirmLogout, { task: 'Verify complete', match: '*/test/*/post*' }] };
  const page = (match: string, text: string, task: string): BrowserFlow => ({
    match,
    tasks: [{ task, match, commands: [['wait', 'xpath', '//*', WAIT_SECONDS, text, 'update-image-placeholder']] }],
  });
  const authorizationError = page(`${issuer}/auth*`, ERROR_PAGE, 'Expect the error page');
  const logoutError = (text = ERROR_PAGE) => page(`${issuer}/session/end*`, text, 'Expect the logout error page');
  const signedOut: BrowserFlow = {
    match: `${issuer}/session/end*`,
    tasks: [confirmLogout, { task: 'Expect the signed-out page', match: `${issuer}/session/end/success*`, commands: [['wait', 'xpath', '//*', WAIT_SECONDS, 'You are signed out', 'update-image-placeholder']] }],
  };
  // The client's logo and policy and terms links are on our consent page (the sign-in page names the client only).
  const consentPage = (what: string): BrowserFlow => ({
    match: `${issuer}/auth*`,
    tasks: [
      { task: 'Sign in', match: `${issuer}/interaction*`, commands: [['text', 'name', 'username', username], ['text', 'name', 'password', password], ['click', 'css', 'button.primary']] },
      { task: `Expect a consent page with ${what}`, match: `${issuer}/interaction*`, commands: [['wait', 'xpath', '//*', WAIT_SECONDS, 'wants to access your account', 'update-image-placeholder']] },
    ],
  });
  const only = (...flows: BrowserFlow[]) => ({ browser: flows });
  return {
    description: `dcr-authorization-server (${issuer})`,
    server: { discoveryUrl: `${issuer}/.well-known/openid-configuration` },
    client: { client_name: 'conformance-client-1' },
    client2: { client_name: 'conformance-client-2' },
    browser: [authorization(), logout],
    override: {
      'oidcc-prompt-login': only(authorization('Sign in')),
      'oidcc-max-age-1': only(authorization('Sign in')),
      'oidcc-ensure-registered-redirect-uri': only(authorizationError),
      'oidcc-ensure-redirect-uri-in-authorization-request': only(authorizationError),
      'oidcc-redirect-uri-query-added': only(authorizationError),
      'oidcc-redirect-uri-query-mismatch': only(authorizationError),
      // Request objects are not supported: the request's own invalid redirect_uri gets the error page.
      'oidcc-ensure-request-object-with-redirect-uri': only(authorizationError),
      'oidcc-registration-logo-uri': only(consentPage('the logo')),
      'oidcc-registration-policy-uri': only(consentPage('the policy link')),
      'oidcc-registration-tos-uri': only(consentPage('the terms of service link')),
      'oidcc-rp-initiated-logout-bad-post-logout-redirect-uri': only(authorization(), logoutError()),
      'oidcc-rp-initiated-logout-query-added-to-post-logout-redirect-uri': only(authorization(), logoutError()),
      'oidcc-rp-initiated-logout-modified-id-token-hint': only(authorization(), logoutError()),
      'oidcc-rp-initiated-logout-bad-id-token-hint': only(authorization(), logoutError()),
      // The server must not return to the client: our confirmation page is shown (an error page would do too).
      'oidcc-rp-initiated-logout-no-id-token-hint': only(authorization(), logoutError(`${ERROR_PAGE}|Do you want to sign out`)),
      'oidcc-rp-initiated-logout-no-params': only(authorization(), signedOut),
      'oidcc-rp-initiated-logout-no-post-logout-redirect-uri': only(authorization(), signedOut),
      'oidcc-rp-initiated-logout-only-state': only(authorization(), signedOut),
    },
  };
}
