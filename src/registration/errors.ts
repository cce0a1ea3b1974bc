/** An RFC 7591/7592-shaped error: `{"error": ..., "error_description": ...}` with its HTTP status. */
export class RegistrationError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
    readonly status = 400,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${error}: ${description}`);
    this.name = 'RegistrationError';
  }

  get body(): { error: string; error_description: string } {
    return { error: this.error, error_description: this.description };
  }
}

export const invalidClientMetadata = (field: string, problem: string): RegistrationError =>
  new RegistrationError('invalid_client_metadata', `${field}: ${problem}`);

export const invalidRedirectUri = (problem: string): RegistrationError =>
  new RegistrationError('invalid_redirect_uri', `redirect_uris: ${problem}`);

/** The one answer to every failed RFC 7592 authorization: it says nothing about whether the client exists. */
export const invalidRegistrationAccessToken = (): RegistrationError =>
  new RegistrationError('invalid_token', 'the registration access token is missing, invalid or not for this client', 401, {
    'WWW-Authenticate': 'Bearer error="invalid_token"',
  });

export const invalidInitialAccessToken = (): RegistrationError =>
  new RegistrationError('invalid_token', 'a valid initial access token is required to register', 401, {
    'WWW-Authenticate': 'Bearer error="invalid_token"',
  });
