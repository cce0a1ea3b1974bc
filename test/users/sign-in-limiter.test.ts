import { SignInLimiter } from '../../src/users/index.js';

describe('sign-in limits', () => {
  let now = 0;
  const limiter = () => new SignInLimiter({ maxFailures: 3, maxFailuresPerAddress: 10, windowMs: 60_000, lockoutMs: 120_000 }, () => now);
  beforeEach(() => {
    now = 1_000_000;
  });

  test('an account locks after maxFailures, in any letter case, and unlocks after lockoutMs', () => {
    const limits = limiter();
    for (const name of ['ada', 'ADA', 'Ada']) {
      const decision = limits.begin(name, '192.0.2.1');
      if (!decision.allowed) throw new Error('refused too early');
      decision.attempt.failed();
    }
    expect(limits.begin('ada', '192.0.2.2')).toEqual({ allowed: false, retryAfterMs: 120_000 });
    now += 120_001;
    expect(limits.begin('ada', '192.0.2.2').allowed).toBe(true);
  });

  test('attempts in flight count: the fourth concurrent attempt is refused before any password is checked', () => {
    const limits = limiter();
    const inFlight = [1, 2, 3].map(() => limits.begin('grace', '192.0.2.1'));
    expect(inFlight.every((decision) => decision.allowed)).toBe(true);
    expect(limits.begin('grace', '192.0.2.1').allowed).toBe(false);
  });

  test('an abandoned attempt (the store failed) counts for nothing; a success forgives the account', () => {
    const limits = limiter();
    for (let n = 0; n < 5; n += 1) {
      const decision = limits.begin('linus', '192.0.2.1');
      if (!decision.allowed) throw new Error(`refused at attempt ${n + 1}`);
      decision.attempt.abandoned();
    }
    const wrong = limits.begin('linus', '192.0.2.1');
    if (!wrong.allowed) throw new Error('refused');
    wrong.attempt.failed();
    const right = limits.begin('linus', '192.0.2.1');
    if (!right.allowed) throw new Error('refused');
    right.attempt.succeeded();
    for (let n = 0; n < 3; n += 1) expect(limits.begin('linus', '192.0.2.1').allowed).toBe(true);
  });
});
