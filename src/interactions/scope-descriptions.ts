/** What each OpenID Connect scope lets a client see, in the words of the consent page. */
const OIDC_SCOPES: Record<string, string> = {
  openid: 'Know who you are: your user id on this server',
  profile: 'Your name and username',
  email: 'Your email address and whether it is verified',
  address: 'Your postal address',
  phone: 'Your phone number and whether it is verified',
  groups: 'The groups you belong to',
  offline_access: 'Keep access when you are not using it (until you revoke it)',
};

export function describeScope(scope: string, resource?: string): { name: string; description: string } {
  const known = OIDC_SCOPES[scope];
  if (known !== undefined) return { name: scope, description: known };
  return { name: scope, description: resource === undefined ? 'Access granted by this scope' : `Access to ${resource} granted by this scope` };
}
