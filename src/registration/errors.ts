import { ApiError } from '../http/api-error.js';

/** An RFC 7591/7592 error response. */
export class RegistrationError extends ApiError {
  override name = 'RegistrationError';
}

export const invalidClientMetadata = (field: string, problem: string): RegistrationError =>
  new RegistrationError('invalid_client_metadata', `${field}: ${problem}`);

/** An update found the client changed or deleted since it was read: nothing was written. */
export const clientChanged = (): RegistrationError =>
  new RegistrationError('conflict', 'the client changed while this request was processed; read it again and retry', 409);

export const clientGone = (): RegistrationError => new RegistrationError('not_found', 'the client no longer exists', 404);

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
