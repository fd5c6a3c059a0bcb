// The two Prisma schemas (SQLite source, PostgreSQL generated copy) must describe the same
// models, and the last migration's snapshot must equal the datamodel (no un-migrated change).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './url';

const root = repoRoot();
const read = (...p: string[]) => readFileSync(join(root, ...p), 'utf8');

/** model name → its field/attribute lines, whitespace-normalized, comments dropped. */
function models(schema: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of schema.matchAll(/^model\s+(\w+)\s*\{([^}]*)\}/gm)) {
    const lines = (m[2] ?? '')
      .split('\n')
      .map((l) => l.replace(/\/\/.*$/, '').trim().replace(/\s+/g, ' '))
      .filter(Boolean);
    out.set(m[1] ?? '', lines);
  }
  return out;
}

const provider = (schema: string) => /datasource\s+db\s*\{[^}]*provider\s*=\s*"([^"]+)"/.exec(schema)?.[1];

describe('prisma schemas', () => {
  const sqlite = read('prisma', 'schema.prisma');
  const postgres = read('prisma', 'postgresql', 'schema.prisma');

  it('target their providers', () => {
    expect(provider(sqlite)).toBe('sqlite');
    expect(provider(postgres)).toBe('postgresql');
  });

  it('have the same models with the same fields', () => {
    const a = models(sqlite);
    expect([...a.keys()]).toEqual(expect.arrayContaining(['User', 'Session', 'Account', 'Verification', 'Pattern', 'Revision']));
    expect(Object.fromEntries(models(postgres))).toEqual(Object.fromEntries(a));
  });

  it('have a migration for the current datamodel (run `npm run db:migration -- <name>` after a change)', () => {
    const snapshot = read('prisma', 'migrations', 'datamodel.snapshot.prisma');
    expect(Object.fromEntries(models(snapshot))).toEqual(Object.fromEntries(models(sqlite)));
  });

  it('have the same migrations for both providers', () => {
    const names = (p: string) =>
      readdirSync(join(root, 'prisma', 'migrations', p), { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
        .sort();
    expect(names('sqlite').length).toBeGreaterThan(0);
    expect(names('postgresql')).toEqual(names('sqlite'));
  });
});
