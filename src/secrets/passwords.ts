import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Password hashing with scrypt (memory-hard, in node:crypto). A hash carries its parameters:
 *
 *   $scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt, base64url>$<derived key, base64url>
 *
 * so that the cost can be raised later: a hash made with weaker parameters still verifies, and is
 * reported as needing an upgrade (the caller re-hashes the password it just checked).
 */
export interface ScryptParameters {
  /** log2 of N, the CPU/memory cost: memory is 128 × N × r bytes (ln 15, r 8: 32 MiB). */
  ln: number;
  r: number;
  p: number;
}

export const DEFAULT_SCRYPT: ScryptParameters = { ln: 15, r: 8, p: 1 };

const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
const HASH_PATTERN = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9_-]{16,64})\$([A-Za-z0-9_-]{32,128})$/;

/**
 * scrypt runs on libuv's thread pool (4 threads unless UV_THREADPOOL_SIZE says otherwise), which
 * also signs every access token: at most this many derivations run at once, the others wait their
 * turn, so that a burst of sign-ins (or of guesses) never holds token issuance up.
 */
const MAX_CONCURRENT_DERIVATIONS = 2;
/**
 * Password checks waiting for a turn, at most: past it a check is refused at once (the sign-in
 * answers 503), so that a flood of guesses cannot queue work that outlives it, nor make a real
 * sign-in wait behind minutes of it. Setting a password waits whatever the queue holds.
 */
const MAX_WAITING_CHECKS = 16;
let running = 0;
const waiting: (() => void)[] = [];

/** Too many password checks are waiting already: try again in a moment. */
export class PasswordChecksBusyError extends Error {
  override name = 'PasswordChecksBusyError';
}

/** Derives the key; resolves with it and the time the derivation itself took (not its wait for a turn). */
async function derive(password: string, salt: Buffer, { ln, r, p }: ScryptParameters, bounded: boolean): Promise<{ key: Buffer; ms: number }> {
  if (running < MAX_CONCURRENT_DERIVATIONS) running += 1;
  else if (bounded && waiting.length >= MAX_WAITING_CHECKS) throw new PasswordChecksBusyError('too many password checks are waiting');
  else await new Promise<void>((resolve) => waiting.push(resolve));
  const started = performance.now();
  try {
    const N = 2 ** ln;
    // What OpenSSL allocates (128 × r × (N + p + 2) bytes), with room to spare.
    const options: ScryptOptions = { N, r, p, maxmem: 128 * r * (N + p + 2) + 1024 * 1024 };
    const key = await new Promise<Buffer>((resolve, reject) => {
      scryptCallback(password.normalize('NFKC'), salt, KEY_LENGTH, options, (error, derived) => (error ? reject(error) : resolve(derived)));
    });
    return { key, ms: performance.now() - started };
  } finally {
    // The slot passes straight to the next in line, if any.
    const next = waiting.shift();
    if (next) next();
    else running -= 1;
  }
}

const encode = ({ ln, r, p }: ScryptParameters, salt: Buffer, key: Buffer): string =>
  `$scrypt$ln=${ln},r=${r},p=${p}$${salt.toString('base64url')}$${key.toString('base64url')}`;

/**
 * The most a hash may cost to check: what the largest cost the configuration can set costs
 * (signIn.passwordHashCost 20, r 8, p 1: 1 GiB and a few seconds of one core). A hash from
 * elsewhere (imported with the configuration's users) never makes a check allocate more, nor
 * run longer.
 */
const MAX_SCRYPT_WORK = 2 ** 20 * 8;

/**
 * Whether a string is a hash in this module's format whose cost is within MAX_SCRYPT_WORK (what
 * the configuration file may hold).
 */
export const isPasswordHash = (value: string): boolean => decode(value) !== undefined;

/** Whether a string has this module's format, whatever its parameters. */
export const looksLikePasswordHash = (value: string): boolean => HASH_PATTERN.test(value);

function decode(hash: string): { parameters: ScryptParameters; salt: Buffer; key: Buffer } | undefined {
  const match = HASH_PATTERN.exec(hash);
  if (!match) return undefined;
  const parameters = { ln: Number(match[1]), r: Number(match[2]), p: Number(match[3]) };
  const { ln, r, p } = parameters;
  // What scrypt itself accepts (RFC 7914: N < 2^(128 × r / 8)), within the old format's caps.
  if (ln < 1 || ln >= 16 * r || r < 1 || r > 32 || p < 1 || p > 16) return undefined;
  // Memory is 128 × N × r bytes, time grows with N × r × p: bounding the latter bounds both.
  if (2 ** ln * r * p > MAX_SCRYPT_WORK) return undefined;
  return { parameters, salt: Buffer.from(match[4]!, 'base64url'), key: Buffer.from(match[5]!, 'base64url') };
}

export interface Verification {
  valid: boolean;
  /** The hash was made with other parameters than the current ones: re-hash the (valid) password. */
  needsUpgrade: boolean;
  /** How long the check itself took, without its wait for a turn. */
  checkMs: number;
}

export class PasswordHasher {
  readonly #decoy: Promise<string>;

  constructor(readonly parameters: ScryptParameters = DEFAULT_SCRYPT) {
    this.#decoy = this.hash(randomBytes(16).toString('base64url'));
  }

  async hash(password: string): Promise<string> {
    const salt = randomBytes(SALT_LENGTH);
    return encode(this.parameters, salt, (await derive(password, salt, this.parameters, false)).key);
  }

  async verify(password: string, hash: string | undefined): Promise<Verification> {
    const decoded = hash === undefined ? undefined : decode(hash);
    if (!decoded) {
      // No usable hash (unknown user, no password set): spend the same time as a real check, so
      // that timing does not tell whether the account exists.
      const { checkMs } = await this.verify(password, await this.#decoy);
      return { valid: false, needsUpgrade: false, checkMs };
    }
    const { key, ms: checkMs } = await derive(password, decoded.salt, decoded.parameters, true);
    const valid = key.length === decoded.key.length && timingSafeEqual(key, decoded.key);
    const { ln, r, p } = this.parameters;
    const current = decoded.parameters.ln === ln && decoded.parameters.r === r && decoded.parameters.p === p;
    return { valid, needsUpgrade: valid && !current, checkMs };
  }
}
