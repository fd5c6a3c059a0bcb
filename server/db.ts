/**
 * The single Prisma client. DATABASE_URL picks the database: `file:…` or unset → SQLite (the
 * embedded default, `file:./data/meshloom.db` from the repo root), `postgres(ql)://…` →
 * PostgreSQL. Each provider has its own generated client (server/db/generated/, made by
 * `npm run db:generate`) and driver adapter; both expose the same models, typed here as {@link Db}.
 */
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient as PostgresClient } from './db/generated/postgresql/client';
import { PrismaClient as SqliteClient } from './db/generated/sqlite/client';
import { SerializedSqliteAdapterFactory } from './db/serialized-sqlite-adapter';
import { type DbProvider, requireProvider, sqliteFilePath } from './db/url';
import { getEnv } from './env';

export type { DbProvider } from './db/url';
export { Prisma } from './db/generated/sqlite/client';

/**
 * The client type services use. It is the SQLite client's type; the PostgreSQL client has the
 * same models and fields (a test keeps the schemas in step), so one type serves both.
 */
export type Db = SqliteClient;
/** The client handed to an interactive transaction callback. */
export type DbTransaction = Parameters<Parameters<Db['$transaction']>[0]>[0];

// Waiting for a turn: SQLite runs one transaction at a time, PostgreSQL has a pool of 10.
const transactionOptions = { maxWait: 30_000, timeout: 30_000 };
const providers = new WeakMap<object, DbProvider>();

/** A new client for `url` (tests, scripts). The app uses {@link getDb}. Call `$disconnect()` when done. */
export function createDb(url: string): Db {
  const provider = requireProvider(url);
  let client: Db;
  if (provider === 'sqlite') {
    const file = sqliteFilePath(url);
    client = new SqliteClient({ adapter: new SerializedSqliteAdapterFactory(file), transactionOptions });
  } else {
    const pg = new PostgresClient({ adapter: new PrismaPg({ connectionString: url }), transactionOptions });
    client = pg as unknown as Db;
  }
  providers.set(client, provider);
  return client;
}

/** Which database a client from {@link createDb} talks to (for the few provider-specific queries). */
export function dbProvider(db: Db | DbTransaction): DbProvider {
  return providers.get(db) ?? 'sqlite';
}

const globalForDb = globalThis as unknown as { meshloomDb?: Db };

/** The process-wide client for DATABASE_URL, created on first use and kept across Next dev reloads. */
export function getDb(): Db {
  globalForDb.meshloomDb ??= createDb(getEnv().DATABASE_URL);
  return globalForDb.meshloomDb;
}

/** The provider of {@link getDb}'s database (e.g. for better-auth's Prisma adapter). */
export function getDbProvider(): DbProvider {
  return requireProvider(getEnv().DATABASE_URL);
}
