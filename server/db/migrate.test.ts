import { createHash } from 'node:crypto';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { applyMigrations, defaultMigrationsDir, MigrationError, readMigrations } from './migrate';
import { createEmptyDatabase, PROVIDERS, unavailable } from './testing';
import type { DbProvider } from './url';

interface Row {
  migration_name: string;
  checksum: string;
  finished_at: unknown;
  applied_steps_count: number | bigint;
}

async function migrationRows(provider: DbProvider, url: string): Promise<Row[]> {
  if (provider === 'sqlite') {
    const db = new Database(url.replace(/^file:/, ''), { readonly: true });
    try {
      return db.prepare('SELECT * FROM "_prisma_migrations" ORDER BY migration_name').all() as Row[];
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Row>('SELECT * FROM "_prisma_migrations" ORDER BY migration_name')).rows;
  } finally {
    await client.end();
  }
}

async function tableNames(provider: DbProvider, url: string): Promise<string[]> {
  if (provider === 'sqlite') {
    const db = new Database(url.replace(/^file:/, ''), { readonly: true });
    try {
      return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename");
    return rows.map((r) => r.tablename);
  } finally {
    await client.end();
  }
}

for (const provider of PROVIDERS) {
  describe.skipIf(unavailable(provider) !== '')(`applyMigrations [${provider}]`, () => {
    const cleanups: (() => Promise<void> | void)[] = [];
    afterEach(async () => {
      for (const c of cleanups.splice(0)) await c();
    });
    async function emptyDb() {
      const created = await createEmptyDatabase(provider);
      cleanups.push(created.drop);
      return created.url;
    }

    it('applies every migration to an empty database, then does nothing', async () => {
      const url = await emptyDb();
      const onDisk = readMigrations(provider);
      const first = await applyMigrations(url);
      expect(first.provider).toBe(provider);
      expect(first.applied).toEqual(onDisk.map((m) => m.name));
      expect(await tableNames(provider, url)).toEqual(
        expect.arrayContaining(['User', 'Session', 'Account', 'Verification', 'Pattern', 'Revision', '_prisma_migrations']),
      );

      const second = await applyMigrations(url);
      expect(second.applied).toEqual([]);
      expect(second.alreadyApplied).toEqual(onDisk.map((m) => m.name));

      const rows = await migrationRows(provider, url);
      expect(rows.map((r) => r.migration_name)).toEqual(onDisk.map((m) => m.name));
      for (const [i, row] of rows.entries()) {
        const sql = readFileSync(join(defaultMigrationsDir(provider), row.migration_name, 'migration.sql'));
        expect(row.checksum).toBe(createHash('sha256').update(sql).digest('hex'));
        expect(row.finished_at).not.toBeNull();
        expect(Number(row.applied_steps_count)).toBe(1);
        expect(row.migration_name).toBe(onDisk[i]?.name);
      }
    });

    it('lets concurrent runners race safely (each migration applied once)', async () => {
      const url = await emptyDb();
      const results = await Promise.all([applyMigrations(url), applyMigrations(url), applyMigrations(url)]);
      const names = readMigrations(provider).map((m) => m.name);
      expect(results.flatMap((r) => r.applied).sort()).toEqual(names.sort());
      expect((await migrationRows(provider, url)).length).toBe(names.length);
    });

    it('refuses with CHECKSUM_MISMATCH when an applied migration was edited', async () => {
      const url = await emptyDb();
      const dir = mkdtempSync(join(tmpdir(), 'meshloom-migrations-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      cpSync(defaultMigrationsDir(provider), dir, { recursive: true });
      await applyMigrations(url, { migrationsDir: dir });
      const first = readMigrations(provider, dir)[0];
      if (!first) throw new Error('no migrations');
      appendFileSync(join(dir, first.name, 'migration.sql'), '\n-- edited\n');
      const error = await applyMigrations(url, { migrationsDir: dir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MigrationError);
      expect((error as MigrationError).code).toBe('CHECKSUM_MISMATCH');
      expect((error as MigrationError).migration).toBe(first.name);
    });

    it('rolls a failing migration back completely (MIGRATION_FAILED) and records nothing for it', async () => {
      const url = await emptyDb();
      const dir = mkdtempSync(join(tmpdir(), 'meshloom-migrations-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      cpSync(defaultMigrationsDir(provider), dir, { recursive: true });
      const bad = join(dir, '99999999999999_broken');
      cpSync(join(dir, readMigrations(provider, dir)[0]?.name ?? ''), bad, { recursive: true });
      writeFileSync(join(bad, 'migration.sql'), 'CREATE TABLE "Half" ("id" INTEGER);\nTHIS IS NOT SQL;\n');
      const error = await applyMigrations(url, { migrationsDir: dir }).catch((e: unknown) => e);
      expect((error as MigrationError).code).toBe('MIGRATION_FAILED');
      expect(await tableNames(provider, url)).not.toContain('Half');
      expect((await migrationRows(provider, url)).map((r) => r.migration_name)).not.toContain('99999999999999_broken');
    });
  });
}

describe('applyMigrations [sqlite] table redefinitions', () => {
  it('keeps child rows when a migration rebuilds a parent table (foreign keys off while migrating)', async () => {
    const { url, drop } = await createEmptyDatabase('sqlite');
    const dir = mkdtempSync(join(tmpdir(), 'meshloom-migrations-'));
    try {
      cpSync(defaultMigrationsDir('sqlite'), dir, { recursive: true });
      await applyMigrations(url, { migrationsDir: dir });
      const file = url.replace(/^file:/, '');
      const db = new Database(file);
      db.prepare(`INSERT INTO "User" (id, name, email, updatedAt) VALUES ('u1', 'U', 'u@x', 0)`).run();
      db.prepare(`INSERT INTO "Session" (id, expiresAt, token, updatedAt, userId) VALUES ('s1', 0, 't', 0, 'u1')`).run();
      db.close();
      // What `migrate diff` writes for SQLite when a column is added to a parent table.
      const redefine = join(dir, '99999999999999_redefine_user');
      mkdirSync(redefine);
      writeFileSync(
        join(redefine, 'migration.sql'),
        `PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_User" (
    "id" TEXT NOT NULL PRIMARY KEY, "name" TEXT NOT NULL, "email" TEXT NOT NULL,
    "emailVerified" BOOLEAN NOT NULL DEFAULT false, "image" TEXT, "role" TEXT NOT NULL DEFAULT 'editor',
    "nickname" TEXT, "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP, "updatedAt" DATETIME NOT NULL
);
INSERT INTO "new_User" ("id", "name", "email", "emailVerified", "image", "role", "createdAt", "updatedAt")
  SELECT "id", "name", "email", "emailVerified", "image", "role", "createdAt", "updatedAt" FROM "User";
DROP TABLE "User";
ALTER TABLE "new_User" RENAME TO "User";
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
`,
      );
      expect((await applyMigrations(url, { migrationsDir: dir })).applied).toEqual(['99999999999999_redefine_user']);
      const check = new Database(file, { readonly: true });
      expect(check.prepare('SELECT count(*) AS n FROM "Session"').get()).toEqual({ n: 1 });
      expect(check.prepare('SELECT nickname FROM "User"').get()).toEqual({ nickname: null });
      check.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await drop();
    }
  });
});
