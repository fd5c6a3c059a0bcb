/**
 * Applies the checked-in SQL migrations (prisma/migrations/<provider>/<name>/migration.sql) at
 * setup/start, offline, without the Prisma CLI. Each migration runs in its own transaction
 * (PostgreSQL: all under one advisory lock, so concurrent starters wait for each other) and is
 * recorded in `_prisma_migrations` exactly as `prisma migrate deploy` would (sha256 checksum),
 * so the Prisma CLI still understands the database afterwards.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { type DbProvider, repoRoot, requireProvider, sqliteFilePath } from './url';

/** One migration folder, read from disk. */
export interface Migration {
  /** Folder name, e.g. `20261125105002_init`; migrations apply in its lexical order. */
  name: string;
  sql: string;
  /** sha256 of migration.sql, hex (what Prisma stores in `_prisma_migrations.checksum`). */
  checksum: string;
}

/** Why the runner refused or failed. */
export type MigrationErrorCode =
  /** A migration already applied to this database was edited afterwards. */
  | 'CHECKSUM_MISMATCH'
  /** `_prisma_migrations` records an unfinished, not rolled back migration (e.g. from the Prisma CLI). */
  | 'FAILED_MIGRATION'
  /** A migration's SQL failed; its transaction was rolled back. */
  | 'MIGRATION_FAILED'
  /** No migrations folder for the provider. */
  | 'NO_MIGRATIONS';

export class MigrationError extends Error {
  constructor(
    readonly code: MigrationErrorCode,
    message: string,
    readonly migration?: string,
  ) {
    super(message);
    this.name = 'MigrationError';
  }
}

export interface ApplyMigrationsOptions {
  /** Default: `<repo>/prisma/migrations/<provider>`. */
  migrationsDir?: string;
  /** Progress lines; default silent. */
  log?: (line: string) => void;
}

export interface ApplyMigrationsResult {
  provider: DbProvider;
  /** Names applied by this call, in order. */
  applied: string[];
  /** Names that were already applied (checksums verified). */
  alreadyApplied: string[];
}

/** The migrations of a provider, sorted by name. */
export function readMigrations(provider: DbProvider, migrationsDir = defaultMigrationsDir(provider)): Migration[] {
  if (!existsSync(migrationsDir)) throw new MigrationError('NO_MIGRATIONS', `no migrations folder at ${migrationsDir}`);
  return readdirSync(migrationsDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(migrationsDir, e.name, 'migration.sql')))
    .map((e) => e.name)
    .sort()
    .map((name) => {
      const bytes = readFileSync(join(migrationsDir, name, 'migration.sql'));
      return { name, sql: bytes.toString('utf8'), checksum: createHash('sha256').update(bytes).digest('hex') };
    });
}

export function defaultMigrationsDir(provider: DbProvider): string {
  return join(repoRoot(), 'prisma', 'migrations', provider);
}

/**
 * Brings the database at `url` up to date. Idempotent: applied migrations are skipped after
 * their checksum is verified. Throws {@link MigrationError} (nothing of the failing migration is
 * kept) when a checksum changed, a recorded migration is unfinished, or a migration fails.
 * A SQLite file's folder is created when missing.
 */
export async function applyMigrations(url: string, options: ApplyMigrationsOptions = {}): Promise<ApplyMigrationsResult> {
  const provider = requireProvider(url);
  const migrations = readMigrations(provider, options.migrationsDir);
  const log = options.log ?? (() => {});
  return provider === 'sqlite' ? applySqlite(url, migrations, log) : applyPostgres(url, migrations, log);
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: unknown;
  rolled_back_at: unknown;
}

/** Decides what to apply; throws on tampering or unfinished rows. */
function plan(migrations: Migration[], rows: AppliedRow[]): { pending: Migration[]; alreadyApplied: string[] } {
  const unfinished = rows.find((r) => r.finished_at === null && r.rolled_back_at === null);
  if (unfinished) {
    throw new MigrationError(
      'FAILED_MIGRATION',
      `migration ${unfinished.migration_name} is recorded as started but never finished; fix the database by hand, then mark it rolled back`,
      unfinished.migration_name,
    );
  }
  const done = new Map(rows.filter((r) => r.finished_at !== null && r.rolled_back_at === null).map((r) => [r.migration_name, r.checksum]));
  const pending: Migration[] = [];
  const alreadyApplied: string[] = [];
  for (const m of migrations) {
    const checksum = done.get(m.name);
    if (checksum === undefined) pending.push(m);
    else if (checksum !== m.checksum) {
      throw new MigrationError(
        'CHECKSUM_MISMATCH',
        `migration ${m.name} was modified after it was applied (checksum ${checksum.slice(0, 12)}… in the database, ${m.checksum.slice(0, 12)}… on disk); write a new migration instead of editing an applied one`,
        m.name,
      );
    } else alreadyApplied.push(m.name);
  }
  return { pending, alreadyApplied };
}

const SQLITE_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`;

function applySqlite(url: string, migrations: Migration[], log: (line: string) => void): ApplyMigrationsResult {
  const file = sqliteFilePath(url);
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file, { timeout: 30_000 });
  try {
    // WAL is a property of the file: the app, seeds and this runner can then read while one writes.
    if (file !== ':memory:') db.pragma('journal_mode = WAL');
    // Prisma's SQLite migrations redefine tables (copy, DROP, rename): with foreign keys on, the
    // DROP would cascade into child rows. Off during migrations, checked before each commit.
    db.pragma('foreign_keys = OFF');
    db.exec(SQLITE_TABLE);
    const applied: string[] = [];
    let alreadyApplied: string[] = [];
    for (;;) {
      // BEGIN IMMEDIATE takes the write lock: a second process migrating the same file waits here.
      db.exec('BEGIN IMMEDIATE');
      try {
        const rows = db.prepare('SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"').all() as AppliedRow[];
        const next = plan(migrations, rows);
        alreadyApplied = next.alreadyApplied.filter((n) => !applied.includes(n));
        const m = next.pending[0];
        if (!m) {
          db.exec('COMMIT');
          break;
        }
        const started = new Date().toISOString();
        try {
          db.exec(m.sql);
        } catch (e) {
          throw new MigrationError('MIGRATION_FAILED', `migration ${m.name} failed: ${(e as Error).message}`, m.name);
        }
        const violations = db.pragma('foreign_key_check') as unknown[];
        if (violations.length > 0) {
          throw new MigrationError('MIGRATION_FAILED', `migration ${m.name} left ${violations.length} foreign key violation(s)`, m.name);
        }
        db.prepare(
          'INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count) VALUES (?, ?, ?, ?, NULL, NULL, ?, 1)',
        ).run(randomUUID(), m.checksum, new Date().toISOString(), m.name, started);
        db.exec('COMMIT');
        applied.push(m.name);
        log(`applied ${m.name}`);
      } catch (e) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw e;
      }
    }
    return { provider: 'sqlite', applied, alreadyApplied };
  } finally {
    db.close();
  }
}

const PG_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;
/** Arbitrary but fixed: every Meshloom process migrating one database takes this lock. */
const PG_ADVISORY_LOCK = 72_707_369;

async function applyPostgres(url: string, migrations: Migration[], log: (line: string) => void): Promise<ApplyMigrationsResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PG_ADVISORY_LOCK]);
    try {
      await client.query(PG_TABLE);
      const { rows } = await client.query<AppliedRow>('SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"');
      const { pending, alreadyApplied } = plan(migrations, rows);
      const applied: string[] = [];
      for (const m of pending) {
        await client.query('BEGIN');
        try {
          const started = new Date();
          try {
            await client.query(m.sql);
          } catch (e) {
            throw new MigrationError('MIGRATION_FAILED', `migration ${m.name} failed: ${(e as Error).message}`, m.name);
          }
          await client.query(
            'INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count) VALUES ($1, $2, now(), $3, NULL, NULL, $4, 1)',
            [randomUUID(), m.checksum, m.name, started],
          );
          await client.query('COMMIT');
        } catch (e) {
          await client.query('ROLLBACK');
          throw e;
        }
        applied.push(m.name);
        log(`applied ${m.name}`);
      }
      return { provider: 'postgresql', applied, alreadyApplied };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [PG_ADVISORY_LOCK]);
    }
  } finally {
    await client.end();
  }
}
