import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

import { SqliteStore } from '../../src/storage/index.js';

// The models table as versions before the rowid layout wrote it (WITHOUT ROWID, keyed by model and key).
const EARLIER_MODELS_TABLE = `
  CREATE TABLE oidc_models (
    model TEXT NOT NULL, key TEXT NOT NULL, payload TEXT NOT NULL, expires_at INTEGER, consumed_at INTEGER,
    grant_id TEXT, client_id TEXT, uid TEXT, user_code TEXT, account_id TEXT,
    PRIMARY KEY (model, key)
  ) WITHOUT ROWID;
  CREATE INDEX oidc_models_client ON oidc_models (client_id) WHERE client_id IS NOT NULL;
  CREATE INDEX oidc_models_expiry ON oidc_models (expires_at) WHERE expires_at IS NOT NULL;`;

describe('embedded store written by an earlier version', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'as-sqlite-migration-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  test('its tokens, grants and sessions survive the move to the rowid layout, and every lookup still finds them', async () => {
    const inOneHour = Date.now() + 3_600_000;
    const earlier = new DatabaseSync(join(dataDir, 'authorization-server.sqlite'));
    earlier.exec(EARLIER_MODELS_TABLE);
    const insert = earlier.prepare(`INSERT INTO oidc_models (model, key, payload, expires_at, consumed_at, grant_id, client_id, uid, user_code, account_id)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    insert.run('ClientCredentials', 'token-1', '{"jti":"token-1"}', inOneHour, null, null, 'client-a', null, null, null);
    insert.run('Grant', 'grant-1', '{"jti":"grant-1"}', inOneHour, null, null, 'client-a', null, null, 'user-1');
    insert.run('AuthorizationCode', 'code-1', '{"jti":"code-1"}', inOneHour, 1_700_000_000, 'grant-1', 'client-b', null, null, 'user-1');
    insert.run('Session', 'session-1', '{"jti":"session-1"}', inOneHour, null, null, null, 'uid-1', null, 'user-1');
    earlier.close();

    const store = SqliteStore.open(dataDir);
    try {
      expect(await store.models.find('ClientCredentials', 'token-1')).toMatchObject({ payload: { jti: 'token-1' }, clientId: 'client-a' });
      expect(await store.models.find('AuthorizationCode', 'code-1')).toMatchObject({ grantId: 'grant-1', consumedAt: new Date(1_700_000_000) });
      expect(await store.models.findByUid('Session', 'uid-1')).toMatchObject({ key: 'session-1' });
      expect((await store.models.findByAccountId('Grant', 'user-1', 10)).map(({ key }) => key)).toEqual(['grant-1']);

      // Upserts after the move replace rows rather than adding a second one of the same key.
      await store.models.upsert('ClientCredentials', 'token-1', { payload: { jti: 'token-1', replaced: true }, clientId: 'client-a', expiresAt: new Date(inOneHour) });
      expect(await store.models.find('ClientCredentials', 'token-1')).toMatchObject({ payload: { replaced: true } });

      await store.models.destroyByClientId('client-a');
      expect(await store.models.find('ClientCredentials', 'token-1')).toBeUndefined();
      expect(await store.models.find('AuthorizationCode', 'code-1')).toBeDefined();
    } finally {
      await store.close();
    }

    const migrated = new DatabaseSync(join(dataDir, 'authorization-server.sqlite'));
    try {
      const { sql } = migrated.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'oidc_models'").get() as { sql: string };
      expect(sql).not.toMatch(/WITHOUT ROWID/i);
      const indexes = (migrated.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'oidc_models' AND sql IS NOT NULL").all() as { name: string }[])
        .map(({ name }) => name).sort();
      expect(indexes).toEqual(['oidc_models_account', 'oidc_models_client', 'oidc_models_expiry', 'oidc_models_grant', 'oidc_models_uid', 'oidc_models_user_code']);
      expect(migrated.prepare('SELECT count(*) AS rows FROM oidc_models').get()).toEqual({ rows: 2 }); // the code and the session: client-a's token and grant went with it;
    } finally {
      migrated.close();
    }
  });
});

describe('embedded store sweep of expired records', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'as-sqlite-sweep-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  test('deletes in batches that let other work run between them, until every expired record is gone and no live one', async () => {
    const store = SqliteStore.open(dataDir);
    try {
      const now = Date.now();
      const expired = 2_600;
      const writes: Promise<void>[] = [];
      for (let index = 0; index < expired; index += 1) {
        writes.push(store.models.upsert('ClientCredentials', `expired-${index}`, { payload: { jti: `expired-${index}` }, expiresAt: new Date(now - 1_000 - index), clientId: 'c' }));
      }
      for (let index = 0; index < 10; index += 1) {
        writes.push(store.models.upsert('ClientCredentials', `live-${index}`, { payload: { jti: `live-${index}` }, expiresAt: new Date(now + 3_600_000), clientId: 'c' }));
      }
      await Promise.all(writes);
      await store.revocations.revoke('revoked-expired', new Date(now - 1_000));

      // Work queued before the sweep runs before the sweep is over: one DELETE of everything would hold the loop to the end.
      // A timer, queued first: the sweep waits on a timer of its own between batches, so this one is due no later.
      // (An immediate is not enough when this test resumes in the check phase: the next turn's timers come before it.)
      let ranDuringSweep = false;
      setTimeout(() => {
        ranDuringSweep = true;
      }, 0);
      const sweeping = store.sweepExpired(new Date(now));
      let deleted = await sweeping;
      expect(ranDuringSweep).toBe(true);
      // What one call left (it stops after about a second) goes at the next ones, as the upkeep calls them.
      for (let piece = deleted; piece > 0; deleted += piece) piece = await store.sweepExpired(new Date(now));
      expect(deleted).toBe(expired + 1);
      const rows = new DatabaseSync(join(dataDir, 'authorization-server.sqlite'), { readOnly: true });
      try {
        expect(rows.prepare('SELECT key FROM oidc_models ORDER BY key').all().map((row) => row.key)).toEqual(Array.from({ length: 10 }, (_, index) => `live-${index}`));
        expect(rows.prepare('SELECT count(*) AS n FROM revoked_tokens').get()).toEqual({ n: 0 });
      } finally {
        rows.close();
      }
      expect(await store.sweepExpired(new Date(now))).toBe(0);
    } finally {
      await store.close();
    }
  });
});

describe('embedded store checkpoints', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'as-sqlite-checkpoints-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  test('tokens reach the database file while the store is open: a thread of its own copies the WAL, the writer does not wait for it', async () => {
    const store = SqliteStore.open(dataDir);
    const databaseFile = join(dataDir, 'authorization-server.sqlite');
    try {
      const before = statSync(databaseFile).size;
      const expiresAt = new Date(Date.now() + 3_600_000);
      for (let batch = 0; batch < 20; batch += 1) {
        await Promise.all(Array.from({ length: 100 }, (_, index) => store.models.upsert('ClientCredentials', `checkpointed-${batch}-${index}`, {
          payload: { jti: `checkpointed-${batch}-${index}`, padding: 'x'.repeat(300) }, expiresAt, clientId: 'c',
        })));
      }
      // 2,000 rows are below the writer's own checkpoint threshold (2,000 WAL pages): only the checkpointer copies them.
      const deadline = Date.now() + 5_000;
      while (statSync(databaseFile).size < before + 500_000 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(statSync(databaseFile).size).toBeGreaterThanOrEqual(before + 500_000);
      expect(await store.models.find('ClientCredentials', 'checkpointed-19-99')).toMatchObject({ clientId: 'c' });
    } finally {
      await store.close();
    }
    // Closed: the WAL is folded into the database and removed, and the directory is free again.
    expect(() => statSync(`${databaseFile}-wal`)).toThrow();
    const reopened = SqliteStore.open(dataDir);
    try {
      expect(await reopened.models.find('ClientCredentials', 'checkpointed-0-0')).toBeDefined();
    } finally {
      await reopened.close();
    }
  });
});

describe('embedded store directory lock', () => {
  const LOCKER = `
    const { holdDirectoryLock } = await import(process.argv[1]);
    const [dataDir, at] = [process.argv[2], Number(process.argv[3])];
    while (Date.now() < at) { /* start at the same moment as the other process */ }
    // The release function is dropped and garbage collected at once: the lock must outlive it.
    try { holdDirectoryLock(dataDir); globalThis.gc(); process.stdout.write('held'); } catch (error) { process.stdout.write(String(error.message)); }
    setTimeout(() => {}, 800);`;
  const lockerAt = (dataDir: string, at: number) => new Promise<string>((resolve) => {
    const module = join(process.cwd(), 'dist', 'src', 'storage', 'sqlite', 'data-directory.js');
    const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', '--expose-gc', '--input-type=module', '-e', LOCKER, module, dataDir, String(at)]);
    let output = '';
    child.stdout.on('data', (chunk) => { output += chunk; });
    child.on('exit', () => resolve(output));
  });

  test('two processes starting at the same moment: exactly one holds the directory (whatever is collected), the other is refused as in use', async () => {
    for (let round = 0; round < 4; round += 1) {
      const dataDir = mkdtempSync(join(tmpdir(), 'as-sqlite-lock-'));
      try {
        // An existing lock file, as after any earlier start.
        await lockerAt(dataDir, Date.now());
        const at = Date.now() + 400;
        const outcomes = await Promise.all([lockerAt(dataDir, at), lockerAt(dataDir, at)]);
        expect(outcomes.filter((outcome) => outcome === 'held')).toHaveLength(1);
        expect(outcomes.find((outcome) => outcome !== 'held')).toContain('is in use by');
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    }
  }, 30_000);
});
