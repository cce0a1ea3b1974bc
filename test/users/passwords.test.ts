import { generateKeyPairSync, sign } from 'node:crypto';

import { isPasswordHash, PasswordChecksBusyError, PasswordHasher } from '../../src/secrets/index.js';

describe('password hashing', () => {
  test('a hash verifies its password only, and a weaker one asks to be upgraded', async () => {
    const weak = new PasswordHasher({ ln: 10, r: 8, p: 1 });
    const current = new PasswordHasher({ ln: 11, r: 8, p: 1 });
    const hash = await weak.hash('a long and uncommon passphrase');
    expect(hash).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$/);
    expect(await current.verify('a long and uncommon passphrase', hash)).toMatchObject({ valid: true, needsUpgrade: true });
    expect(await weak.verify('a long and uncommon passphrase', hash)).toMatchObject({ valid: true, needsUpgrade: false });
    expect(await current.verify('another passphrase', hash)).toMatchObject({ valid: false, needsUpgrade: false });
    expect(await current.verify('anything', undefined)).toMatchObject({ valid: false, needsUpgrade: false });
  });

  test('a hash costing more to check than the largest configurable cost, or that scrypt refuses, is not checked at its own parameters', async () => {
    const salt = 'c2FsdHNhbHRzYWx0c2FsdA';
    const key = 'a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U';
    const withCost = (cost: string) => `$scrypt$${cost}$${salt}$${key}`;
    // signIn.passwordHashCost 20 (r 8, p 1) is the configuration's largest: 1 GiB, seconds.
    for (const cost of ['ln=20,r=8,p=1', 'ln=15,r=8,p=16', 'ln=1,r=32,p=16', 'ln=15,r=1,p=1']) expect(isPasswordHash(withCost(cost))).toBe(true);
    for (const cost of [
      'ln=21,r=8,p=1', 'ln=20,r=16,p=1', 'ln=20,r=8,p=2', 'ln=15,r=8,p=17', 'ln=20,r=32,p=16', // too costly
      'ln=16,r=1,p=1', 'ln=1,r=33,p=1', 'ln=1,r=99,p=99', // beyond what scrypt (or the format) accepts
      'ln=0,r=8,p=1', 'ln=15,r=0,p=1', 'ln=15,r=8,p=0',
    ]) expect(isPasswordHash(withCost(cost))).toBe(false);

    const hasher = new PasswordHasher({ ln: 10, r: 8, p: 1 });
    // Accepted extremes check without an error: scrypt's memory limit is computed as OpenSSL does.
    for (const cost of ['ln=1,r=32,p=16', 'ln=15,r=1,p=1']) {
      expect(await hasher.verify('a guess', withCost(cost))).toMatchObject({ valid: false, needsUpgrade: false });
    }
    // Refused ones go the way of a missing hash (the decoy, at the hasher's own cost): scrypt at
    // N 2^16, r 1 would throw.
    expect(await hasher.verify('a guess', withCost('ln=16,r=1,p=1'))).toMatchObject({ valid: false, needsUpgrade: false });
  });

  test('a burst of sign-ins leaves thread-pool room for signing tokens: a signature asked for after eight hashes ends before any of them', async () => {
    const hasher = new PasswordHasher(); // the default cost: tens of milliseconds per hash
    const hash = await hasher.hash('a long and uncommon passphrase');
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const finished: string[] = [];
    const hashes = Array.from({ length: 8 }, (_, index) => hasher.verify('a guess', hash).then(() => finished.push(`hash ${index}`)));
    const signature = new Promise<void>((resolve, reject) => sign('sha256', Buffer.from('token'), privateKey, (error) => {
      if (error) reject(error);
      finished.push('signature');
      resolve();
    }));
    await Promise.all([...hashes, signature]);
    expect(finished[0]).toBe('signature');
    expect(finished).toHaveLength(9);
  });

  test('checks beyond the waiting room are refused at once, not queued; setting a password still waits its turn; a check\'s time leaves its wait out', async () => {
    const hasher = new PasswordHasher({ ln: 12, r: 8, p: 1 });
    const hash = await hasher.hash('a long and uncommon passphrase');
    // A check for no user waits for the hasher's decoy hash: then nothing is computing.
    await hasher.verify('warm-up', undefined);
    const started = performance.now();
    const admitted = Array.from({ length: 18 }, () => hasher.verify('a guess', hash).then((verification) => ({ ...verification, totalMs: performance.now() - started })));
    await expect(hasher.verify('one guess too many', hash)).rejects.toBeInstanceOf(PasswordChecksBusyError);
    const newHash = hasher.hash('a new passphrase for someone');
    const results = await Promise.all(admitted);
    expect(results.every(({ valid }) => !valid)).toBe(true);
    // The last in line waited for eight turns of two: its own check is a fraction of its total time.
    const last = results[results.length - 1]!;
    expect(last.checkMs).toBeLessThan(last.totalMs / 3);
    expect((await hasher.verify('a new passphrase for someone', await newHash)).valid).toBe(true);
  });
});
