// Test helpers: run one suite against every database (SQLite temp file, PostgreSQL fresh database).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, inject } from 'vitest';
import { createDb, type Db, type DbProvider } from '../db';
import { applyMigrations } from './migrate';

export const PROVIDERS: readonly DbProvider[] = ['sqlite', 'postgresql'];

/** An empty database (no tables) of `provider`; `drop()` removes it. */
export async function createEmptyDatabase(provider: DbProvider): Promise<{ url: string; drop: () => Promise<void> }> {
  if (provider === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'meshloom-test-'));
    return { url: `file:${join(dir, 'test.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const admin = inject('postgresUrl');
  if (!admin) throw new Error(`no PostgreSQL server: ${inject('postgresUnavailable')}`);
  const name = `meshloom_test_${randomBytes(6).toString('hex')}`;
  await withPg(admin, (c) => c.query(`CREATE DATABASE "${name}"`));
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => withPg(admin, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}

async function withPg<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Why `provider` cannot be tested here, or '' when it can. */
export function unavailable(provider: DbProvider): string {
  return provider === 'postgresql' ? inject('postgresUnavailable') : '';
}

export interface TestDb {
  provider: DbProvider;
  url: string;
  db: Db;
}

/**
 * Declares `suite` once per database, each against a freshly migrated database of its own
 * (one per test file and provider). `get()` is valid inside tests and hooks.
 */
export function describeEachDatabase(title: string, suite: (get: () => TestDb) => void): void {
  for (const provider of PROVIDERS) {
    const reason = unavailable(provider);
    describe.skipIf(reason !== '')(`${title} [${provider}]`, () => {
      let current: TestDb | undefined;
      let drop: (() => Promise<void>) | undefined;
      beforeAll(async () => {
        const created = await createEmptyDatabase(provider);
        drop = created.drop;
        await applyMigrations(created.url);
        current = { provider, url: created.url, db: createDb(created.url) };
      });
      afterAll(async () => {
        await current?.db.$disconnect();
        await drop?.();
      });
      suite(() => {
        if (!current) throw new Error('the test database is not ready');
        return current;
      });
    });
  }
}
