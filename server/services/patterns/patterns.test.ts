import { beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '@/server/db/testing';
import { ServiceError } from '../errors';
import type { Actor } from '../types';
import { createPattern, deletePattern, forkPattern, getPattern, listPatterns, listRevisions, revertPattern, updatePattern } from '.';
import { createUser, patternText } from './testing';

async function expectError(promise: Promise<unknown>, code: ServiceError['code']): Promise<ServiceError> {
  const error = await promise.then(
    () => {
      throw new Error(`expected ${code}, but it succeeded`);
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ServiceError);
  expect((error as ServiceError).code).toBe(code);
  return error as ServiceError;
}

describeEachDatabase('pattern services', (get) => {
  let alice: NonNullable<Actor>;
  let bob: NonNullable<Actor>;
  let admin: NonNullable<Actor>;
  let viewer: NonNullable<Actor>;

  beforeAll(async () => {
    const { db } = get();
    alice = await createUser(db, 'editor', 'Alice');
    bob = await createUser(db, 'editor', 'Bob');
    admin = await createUser(db, 'admin', 'Ada');
    viewer = await createUser(db, 'viewer', 'Vic');
  });

  describe('create, get and list', () => {
    beforeAll(async () => {
      const { db } = get();
      await createPattern({ db, actor: alice, text: patternText('alice-public', { title: 'Retry Budget', tags: ['retries', 'Budget'] }), visibility: 'public' });
      await createPattern({ db, actor: alice, text: patternText('alice-unlisted'), visibility: 'unlisted' });
      await createPattern({ db, actor: alice, text: patternText('alice-private', { category: 'security', summary: 'Secret mTLS thing' }) });
      await createPattern({ db, actor: bob, text: patternText('bob-private') });
    });

    it('stores the text verbatim with metadata columns, version 1 and revision 1', async () => {
      const { db } = get();
      const text = patternText('verbatim', { tags: ['a', 'b'] });
      const created = await createPattern({ db, actor: alice, text, visibility: 'public' });
      expect(created).toMatchObject({
        name: 'verbatim',
        title: 'Title of verbatim',
        category: 'resiliency',
        tags: ['a', 'b'],
        summary: 'a summary',
        visibility: 'public',
        source: 'user',
        ownerName: 'Alice',
        ownerId: alice.id,
        version: 1,
        text,
        forkedFrom: null,
        canEdit: true,
      });
      expect(new Date(created.updatedAt).toString()).not.toBe('Invalid Date');
      const history = await listRevisions({ db, actor: null, name: 'verbatim' });
      expect(history.map((r) => [r.number, r.text, r.authorName])).toEqual([[1, text, 'Alice']]);
    });

    it('shows public and unlisted patterns to anyone, private ones to owner and admin only', async () => {
      const { db } = get();
      expect((await getPattern({ db, actor: null, name: 'alice-public' })).canEdit).toBe(false);
      expect((await getPattern({ db, actor: bob, name: 'alice-unlisted' })).visibility).toBe('unlisted');
      await expectError(getPattern({ db, actor: null, name: 'alice-private' }), 'NOT_FOUND');
      await expectError(getPattern({ db, actor: bob, name: 'alice-private' }), 'NOT_FOUND');
      expect((await getPattern({ db, actor: alice, name: 'alice-private' })).canEdit).toBe(true);
      const asAdmin = await getPattern({ db, actor: admin, name: 'alice-private' });
      expect(asAdmin.canEdit).toBe(true);
      expect((await getPattern({ db, actor: viewer, name: 'alice-public' })).canEdit).toBe(false);
      await expectError(getPattern({ db, actor: alice, name: 'no-such-pattern' }), 'NOT_FOUND');
    });

    it('lists public + own for users, everything for admins, public only when signed out', async () => {
      const { db } = get();
      const names = async (actor: Actor) => (await listPatterns({ db, actor })).map((p) => p.name).filter((n) => /^(alice|bob)-/.test(n));
      expect(await names(null)).toEqual(['alice-public']);
      expect((await names(alice)).sort()).toEqual(['alice-private', 'alice-public', 'alice-unlisted']);
      expect((await names(bob)).sort()).toEqual(['alice-public', 'bob-private']);
      expect((await names(admin)).sort()).toEqual(['alice-private', 'alice-public', 'alice-unlisted', 'bob-private']);
    });

    it('filters by case-insensitive text (title, summary, tags) and by category', async () => {
      const { db } = get();
      const names = async (query?: string, category?: string) =>
        (await listPatterns({ db, actor: alice, ...(query ? { query } : {}), ...(category ? { category } : {}) })).map((p) => p.name).sort();
      expect(await names('retry budget')).toEqual(['alice-public']);
      expect(await names('BUDGET')).toEqual(['alice-public']);
      expect(await names('secret mtls')).toEqual(['alice-private']);
      expect(await names(undefined, 'security')).toEqual(['alice-private']);
      expect(await names('budget', 'security')).toEqual([]);
    });

    it('refuses a taken name with CONFLICT', async () => {
      const { db } = get();
      const e = await expectError(createPattern({ db, actor: bob, text: patternText('alice-public') }), 'CONFLICT');
      expect(e.message).toContain('alice-public');
    });

    it('refuses invalid text with BAD_REQUEST and diagnostics, writing nothing', async () => {
      const { db } = get();
      const before = await db.pattern.count();
      const bad = patternText('broken').replace('category: resiliency', 'category: 42');
      const e = await expectError(createPattern({ db, actor: alice, text: bad }), 'BAD_REQUEST');
      expect(e.diagnostics?.length).toBeGreaterThan(0);
      expect(e.diagnostics?.[0]).toMatchObject({ severity: 'error' });
      await expectError(createPattern({ db, actor: alice, text: 'metadata: [unclosed' }), 'BAD_REQUEST');
      expect(await db.pattern.count()).toBe(before);
      expect(await db.pattern.findUnique({ where: { name: 'broken' } })).toBeNull();
    });

    it('refuses signed-out and viewer writers', async () => {
      const { db } = get();
      await expectError(createPattern({ db, actor: null, text: patternText('nobody') }), 'UNAUTHORIZED');
      await expectError(createPattern({ db, actor: viewer, text: patternText('viewer-one') }), 'FORBIDDEN');
    });
  });

  describe('updates', () => {
    it('50 concurrent updates from one base version: one wins, 49 CONFLICT, no gaps, winner stored', async () => {
      const { db } = get();
      await createPattern({ db, actor: alice, text: patternText('contended') });
      const texts = Array.from({ length: 50 }, (_, i) => patternText('contended', { summary: `edit ${i}` }));
      const results = await Promise.allSettled(
        texts.map((text, i) => updatePattern({ db, actor: alice, name: 'contended', text, expectedVersion: 1, message: `edit ${i}` })),
      );
      const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
      const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(49);
      for (const e of lost) {
        expect(e).toBeInstanceOf(ServiceError);
        expect((e as ServiceError).code).toBe('CONFLICT');
      }
      const winner = won[0] ?? -1;
      const stored = await getPattern({ db, actor: alice, name: 'contended' });
      expect(stored.version).toBe(2);
      expect(stored.text).toBe(texts[winner]);
      expect(stored.summary).toBe(`edit ${winner}`);
      const history = await listRevisions({ db, actor: alice, name: 'contended' });
      expect(history.map((r) => r.number)).toEqual([2, 1]);
      expect(history[0]?.text).toBe(texts[winner]);

      // Then 50 sequential updates, each from the fresh version, all succeed.
      let version = stored.version;
      for (let i = 0; i < 50; i++) {
        const saved = await updatePattern({ db, actor: alice, name: 'contended', text: patternText('contended', { summary: `seq ${i}` }), expectedVersion: version });
        expect(saved.version).toBe(version + 1);
        version = saved.version;
      }
      expect(version).toBe(52);
      const all = await listRevisions({ db, actor: alice, name: 'contended' });
      expect(all.map((r) => r.number)).toEqual(Array.from({ length: 52 }, (_, i) => 52 - i));
      expect((await getPattern({ db, actor: alice, name: 'contended' })).summary).toBe('seq 49');
    });

    it('refuses a stale expectedVersion with CONFLICT and writes nothing', async () => {
      const { db } = get();
      await createPattern({ db, actor: alice, text: patternText('stale') });
      await updatePattern({ db, actor: alice, name: 'stale', text: patternText('stale', { summary: 'v2' }), expectedVersion: 1 });
      const e = await expectError(updatePattern({ db, actor: alice, name: 'stale', text: patternText('stale', { summary: 'lost' }), expectedVersion: 1 }), 'CONFLICT');
      expect(e.message).toMatch(/current version is 2/);
      const p = await getPattern({ db, actor: alice, name: 'stale' });
      expect([p.version, p.summary]).toEqual([2, 'v2']);
      expect(await db.revision.count({ where: { pattern: { name: 'stale' } } })).toBe(2);
    });

    it('refuses a non-owner (FORBIDDEN), lets an admin edit; invalid text is BAD_REQUEST', async () => {
      const { db } = get();
      await createPattern({ db, actor: alice, text: patternText('owned'), visibility: 'public' });
      await expectError(updatePattern({ db, actor: bob, name: 'owned', text: patternText('owned', { summary: 'bob' }), expectedVersion: 1 }), 'FORBIDDEN');
      await expectError(updatePattern({ db, actor: viewer, name: 'owned', text: patternText('owned'), expectedVersion: 1 }), 'FORBIDDEN');
      await expectError(updatePattern({ db, actor: null, name: 'owned', text: patternText('owned'), expectedVersion: 1 }), 'UNAUTHORIZED');
      await expectError(deletePattern({ db, actor: bob, name: 'owned' }), 'FORBIDDEN');
      await expectError(revertPattern({ db, actor: bob, name: 'owned', revision: 1, expectedVersion: 1 }), 'FORBIDDEN');
      const bad = await expectError(updatePattern({ db, actor: alice, name: 'owned', text: 'kind: [', expectedVersion: 1 }), 'BAD_REQUEST');
      expect(bad.diagnostics?.length).toBeGreaterThan(0);
      const byAdmin = await updatePattern({ db, actor: admin, name: 'owned', text: patternText('owned', { summary: 'admin' }), expectedVersion: 1 });
      expect([byAdmin.version, byAdmin.ownerName]).toEqual([2, 'Alice']);
      expect((await db.revision.count({ where: { pattern: { name: 'owned' } } }))).toBe(2);
    });

    it('renames through metadata.name unless the new name is taken', async () => {
      const { db } = get();
      await createPattern({ db, actor: alice, text: patternText('old-name') });
      await createPattern({ db, actor: alice, text: patternText('taken-name') });
      await expectError(updatePattern({ db, actor: alice, name: 'old-name', text: patternText('taken-name'), expectedVersion: 1 }), 'CONFLICT');
      const renamed = await updatePattern({ db, actor: alice, name: 'old-name', text: patternText('new-name'), expectedVersion: 1 });
      expect([renamed.name, renamed.version]).toEqual(['new-name', 2]);
      await expectError(getPattern({ db, actor: alice, name: 'old-name' }), 'NOT_FOUND');
      expect((await listRevisions({ db, actor: alice, name: 'new-name' })).map((r) => r.number)).toEqual([2, 1]);
    });
  });

  describe('history, revert, fork, delete', () => {
    it('reverts to revision N as a new revision, with the version check', async () => {
      const { db } = get();
      const v1 = patternText('rev', { summary: 'one' });
      await createPattern({ db, actor: alice, text: v1, visibility: 'public' });
      await updatePattern({ db, actor: alice, name: 'rev', text: patternText('rev', { summary: 'two' }), expectedVersion: 1 });
      await updatePattern({ db, actor: alice, name: 'rev', text: patternText('rev', { summary: 'three' }), expectedVersion: 2 });
      await expectError(revertPattern({ db, actor: alice, name: 'rev', revision: 1, expectedVersion: 2 }), 'CONFLICT');
      await expectError(revertPattern({ db, actor: alice, name: 'rev', revision: 9, expectedVersion: 3 }), 'NOT_FOUND');
      const reverted = await revertPattern({ db, actor: alice, name: 'rev', revision: 1, expectedVersion: 3 });
      expect([reverted.version, reverted.text, reverted.summary]).toEqual([4, v1, 'one']);
      const history = await listRevisions({ db, actor: null, name: 'rev' });
      expect(history.map((r) => r.number)).toEqual([4, 3, 2, 1]);
      expect(history[0]?.message).toBe('Reverted to revision 1');
    });

    it('forks a visible pattern to a new name owned by the actor, keeping comments', async () => {
      const { db } = get();
      await createPattern({ db, actor: alice, text: patternText('original'), visibility: 'public' });
      const fork = await forkPattern({ db, actor: bob, name: 'original' });
      expect(fork).toMatchObject({ name: 'original-fork', ownerId: bob.id, ownerName: 'Bob', forkedFrom: 'original', version: 1, visibility: 'private', canEdit: true });
      expect(fork.text).toContain('# a comment that must survive');
      expect(fork.text).toContain('name: original-fork');
      const again = await forkPattern({ db, actor: bob, name: 'original' });
      expect(again.name).toBe('original-fork-2');
      const named = await forkPattern({ db, actor: bob, name: 'original', newName: 'my-copy', visibility: 'public' });
      expect([named.name, named.visibility]).toEqual(['my-copy', 'public']);
      await expectError(forkPattern({ db, actor: bob, name: 'original', newName: 'my-copy' }), 'CONFLICT');
      await expectError(forkPattern({ db, actor: bob, name: 'original', newName: 'Not A Name' }), 'BAD_REQUEST');
      await expectError(forkPattern({ db, actor: bob, name: 'alice-private' }), 'NOT_FOUND');
      expect((await listRevisions({ db, actor: bob, name: 'my-copy' })).map((r) => r.number)).toEqual([1]);
    });

    it('deletes a pattern with its revisions; forks survive detached', async () => {
      const { db } = get();
      await createPattern({ db, actor: alice, text: patternText('doomed'), visibility: 'public' });
      await forkPattern({ db, actor: bob, name: 'doomed', newName: 'survivor' });
      expect(await deletePattern({ db, actor: alice, name: 'doomed' })).toEqual({ name: 'doomed' });
      await expectError(getPattern({ db, actor: alice, name: 'doomed' }), 'NOT_FOUND');
      expect(await db.revision.count({ where: { pattern: { name: 'doomed' } } })).toBe(0);
      expect((await getPattern({ db, actor: bob, name: 'survivor' })).forkedFrom).toBeNull();
      await expectError(deletePattern({ db, actor: alice, name: 'doomed' }), 'NOT_FOUND');
    });
  });
});
