import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '@/server/db/testing';
import { createPattern, getPattern, listRevisions } from '.';
import { seedCatalog } from './seed-catalog';
import { createUser, patternText } from './testing';

describeEachDatabase('seedCatalog', (get) => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'meshloom-catalog-'));
    writeFileSync(join(dir, 'circuit-breaker.yaml'), patternText('cat-circuit-breaker', { title: 'Circuit breaker' }));
    writeFileSync(join(dir, 'retries.yaml'), patternText('cat-retries', { title: 'Retries' }));
    writeFileSync(join(dir, 'README.md'), 'not a pattern');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates public, owner-less catalog patterns, then is idempotent', async () => {
    const { db } = get();
    const first = await seedCatalog({ db, dir });
    expect(first).toMatchObject({ ok: true, created: ['cat-circuit-breaker', 'cat-retries'], updated: [], unchanged: [], errors: [] });
    const p = await getPattern({ db, actor: null, name: 'cat-retries' });
    expect(p).toMatchObject({ source: 'catalog', visibility: 'public', ownerId: null, version: 1, canEdit: false });
    expect(p.ownerName).toBeUndefined();

    const before = await db.revision.count();
    const second = await seedCatalog({ db, dir });
    expect(second).toMatchObject({ ok: true, created: [], updated: [], unchanged: ['cat-circuit-breaker', 'cat-retries'] });
    expect(await db.revision.count()).toBe(before);
  });

  it('saves a changed file as a new revision', async () => {
    const { db } = get();
    const changed = patternText('cat-retries', { title: 'Retries', summary: 'better summary' });
    writeFileSync(join(dir, 'retries.yaml'), changed);
    const result = await seedCatalog({ db, dir });
    expect(result).toMatchObject({ ok: true, updated: ['cat-retries'], unchanged: ['cat-circuit-breaker'] });
    const p = await getPattern({ db, actor: null, name: 'cat-retries' });
    expect([p.version, p.summary, p.text]).toEqual([2, 'better summary', changed]);
    expect((await listRevisions({ db, actor: null, name: 'cat-retries' })).map((r) => r.number)).toEqual([2, 1]);
  });

  it('reports an invalid file with its diagnostics and writes nothing at all', async () => {
    const { db } = get();
    writeFileSync(join(dir, 'new-good.yaml'), patternText('cat-new-good'));
    writeFileSync(join(dir, 'zz-broken.yaml'), patternText('cat-broken').replace('kind: Pattern', 'kind: Nope'));
    const before = { patterns: await db.pattern.count(), revisions: await db.revision.count() };
    const result = await seedCatalog({ db, dir });
    expect(result.ok).toBe(false);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]?.file).toBe('zz-broken.yaml');
    expect(result.errors[0]?.diagnostics.length).toBeGreaterThan(0);
    expect({ patterns: await db.pattern.count(), revisions: await db.revision.count() }).toEqual(before);
    rmSync(join(dir, 'zz-broken.yaml'));
    rmSync(join(dir, 'new-good.yaml'));
  });

  it('never takes over a user pattern of the same name', async () => {
    const { db } = get();
    const alice = await createUser(db, 'editor', 'Alice');
    await createPattern({ db, actor: alice, text: patternText('cat-mine') });
    writeFileSync(join(dir, 'mine.yaml'), patternText('cat-mine'));
    const result = await seedCatalog({ db, dir });
    expect(result.ok).toBe(false);
    expect(result.errors[0]?.message).toContain('user pattern');
    expect((await getPattern({ db, actor: alice, name: 'cat-mine' })).source).toBe('user');
    rmSync(join(dir, 'mine.yaml'));
  });
});
