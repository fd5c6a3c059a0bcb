import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseEnv } from '../env';
import { dbProvider } from '../db';
import { describeEachDatabase } from './testing';
import { DEFAULT_DATABASE_URL, providerFromUrl, repoRoot, sqliteFilePath } from './url';

describe('database URLs and env', () => {
  it('maps URLs to providers', () => {
    expect(providerFromUrl(undefined)).toBe('sqlite');
    expect(providerFromUrl('file:./x.db')).toBe('sqlite');
    expect(providerFromUrl('postgres://u@h/db')).toBe('postgresql');
    expect(providerFromUrl('postgresql://u@h/db')).toBe('postgresql');
    expect(providerFromUrl('mysql://u@h/db')).toBeNull();
  });

  it('resolves relative SQLite paths from the repo root', () => {
    expect(sqliteFilePath(DEFAULT_DATABASE_URL)).toBe(`${repoRoot()}/data/meshloom.db`);
    expect(sqliteFilePath('file:/tmp/a.db?mode=rwc')).toBe('/tmp/a.db');
  });

  it('parses the environment with defaults and readable errors', () => {
    expect(parseEnv({})).toMatchObject({ DATABASE_URL: DEFAULT_DATABASE_URL, PORT: 3000, NODE_ENV: 'development' });
    expect(parseEnv({ DATABASE_URL: '', PORT: '8080', BETTER_AUTH_SECRET: '' })).toMatchObject({ DATABASE_URL: DEFAULT_DATABASE_URL, PORT: 8080 });
    expect(parseEnv({}).BETTER_AUTH_SECRET).toBeUndefined();
    expect(() => parseEnv({ DATABASE_URL: 'mysql://x', PORT: 'abc' })).toThrow(/DATABASE_URL[\s\S]*PORT/);
  });
});

describeEachDatabase('createDb', (get) => {
  it('talks to the real server of its provider', async () => {
    const { db, provider } = get();
    expect(dbProvider(db)).toBe(provider);
    if (provider === 'postgresql') {
      const [row] = await db.$queryRawUnsafe<{ version: string }[]>('SELECT version() AS version');
      expect(row?.version).toMatch(/^PostgreSQL \d+/);
      console.log(`[postgresql] tests ran against: ${row?.version}`);
    } else {
      const [row] = await db.$queryRawUnsafe<{ v: string }[]>('SELECT sqlite_version() AS v');
      expect(row?.v).toMatch(/^3\./);
    }
  });

  it('keeps other queries out of an open transaction (no dirty reads, nothing rolled back with it)', async () => {
    const { db } = get();
    const id = randomUUID();
    let inside!: () => void;
    const opened = new Promise<void>((r) => (inside = r));
    const tx = db
      .$transaction(async (t) => {
        await t.user.create({ data: { id, name: 'ghost', email: `${id}@example.test` } });
        inside();
        await new Promise((r) => setTimeout(r, 100));
        throw new Error('roll back');
      })
      .catch((e: Error) => e.message);
    await opened;
    const outsider = randomUUID();
    const [seen] = await Promise.all([
      db.user.findUnique({ where: { id } }),
      db.user.create({ data: { id: outsider, name: 'outsider', email: `${outsider}@example.test` } }),
    ]);
    expect(seen).toBeNull();
    expect(await tx).toBe('roll back');
    expect(await db.user.findUnique({ where: { id } })).toBeNull();
    expect(await db.user.findUnique({ where: { id: outsider } })).not.toBeNull();
  });
});
