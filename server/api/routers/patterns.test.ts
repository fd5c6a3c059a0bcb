import { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { createCaller } from '@/server/api/root';
import type { TActor } from '@/server/auth/roles';
import { describeEachDatabase } from '@/server/db/testing';
import { createUser, patternText } from '@/server/services/patterns/testing';

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'OK';
  } catch (e) {
    return e instanceof TRPCError ? e.code : `not a TRPCError: ${String(e)}`;
  }
}

function actorOf(user: { id: string; role: NonNullable<TActor>['role'] }): TActor {
  return { id: user.id, role: user.role, name: 'test', email: 'test@example.test' };
}

describeEachDatabase('patterns API access rules', (get) => {
  const callerFor = (actor: TActor) => createCaller({ db: get().db, actor });

  it('refuses every write procedure to a signed-out caller, and writes nothing', async () => {
    const owner = await createUser(get().db, 'editor');
    await callerFor(actorOf(owner)).patterns.create({ text: patternText('api-anon'), visibility: 'public' });
    const anon = callerFor(null);
    const attempts = {
      create: anon.patterns.create({ text: patternText('api-anon-2') }),
      update: anon.patterns.update({ name: 'api-anon', text: patternText('api-anon', { title: 'x' }), expectedVersion: 1 }),
      fork: anon.patterns.fork({ name: 'api-anon' }),
      delete: anon.patterns.delete({ name: 'api-anon' }),
      revert: anon.patterns.revert({ name: 'api-anon', revision: 1, expectedVersion: 1 }),
    };
    for (const [name, attempt] of Object.entries(attempts)) expect(`${name}: ${await codeOf(attempt)}`).toBe(`${name}: UNAUTHORIZED`);
    const after = await anon.patterns.get({ name: 'api-anon' });
    expect(after.version).toBe(1);
    expect(await get().db.pattern.count({ where: { name: 'api-anon-2' } })).toBe(0);
  });

  it('refuses writes to a viewer, and a non-owner editor cannot edit, delete or revert', async () => {
    const owner = await createUser(get().db, 'editor');
    const other = await createUser(get().db, 'editor');
    const viewer = await createUser(get().db, 'viewer');
    await callerFor(actorOf(owner)).patterns.create({ text: patternText('api-owned'), visibility: 'public' });
    expect(await codeOf(callerFor(actorOf(viewer)).patterns.create({ text: patternText('api-viewer') }))).toBe('FORBIDDEN');
    const mallory = callerFor(actorOf(other));
    expect(await codeOf(mallory.patterns.update({ name: 'api-owned', text: patternText('api-owned', { title: 'Hijacked' }), expectedVersion: 1 }))).toBe('FORBIDDEN');
    expect(await codeOf(mallory.patterns.delete({ name: 'api-owned' }))).toBe('FORBIDDEN');
    expect(await codeOf(mallory.patterns.revert({ name: 'api-owned', revision: 1, expectedVersion: 1 }))).toBe('FORBIDDEN');
    // Forking a public pattern is fine: it makes the caller's own copy.
    expect((await mallory.patterns.fork({ name: 'api-owned' })).name).toBe('api-owned-fork');
    const still = await callerFor(null).patterns.get({ name: 'api-owned' });
    expect([still.title, still.version]).toEqual(['Title of api-owned', 1]);
  });

  it('an admin may edit any pattern', async () => {
    const owner = await createUser(get().db, 'editor');
    const admin = await createUser(get().db, 'admin');
    await callerFor(actorOf(owner)).patterns.create({ text: patternText('api-admin') });
    const saved = await callerFor(actorOf(admin)).patterns.update({ name: 'api-admin', text: patternText('api-admin', { title: 'By admin' }), expectedVersion: 1 });
    expect(saved.version).toBe(2);
  });

  it('a stale update is a CONFLICT and writes nothing; invalid text is BAD_REQUEST with diagnostics', async () => {
    const owner = await createUser(get().db, 'editor');
    const api = callerFor(actorOf(owner));
    await api.patterns.create({ text: patternText('api-stale') });
    await api.patterns.update({ name: 'api-stale', text: patternText('api-stale', { title: 'v2' }), expectedVersion: 1 });
    expect(await codeOf(api.patterns.update({ name: 'api-stale', text: patternText('api-stale', { title: 'stale' }), expectedVersion: 1 }))).toBe('CONFLICT');
    const history = await api.patterns.history({ name: 'api-stale' });
    expect(history.map((r) => r.number)).toEqual([2, 1]);
    try {
      await api.patterns.create({ text: 'apiVersion: meshloom.dev/v1alpha1\nkind: Pattern\nmetadata: {name: bad}\n' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(TRPCError);
      const err = e as TRPCError;
      expect(err.code).toBe('BAD_REQUEST');
      expect((err.cause as { diagnostics?: { code: string }[] }).diagnostics?.map((d) => d.code)).toContain('ML2001');
    }
  });
});

describe('patterns.validate', () => {
  it('needs no account and returns coded diagnostics with lines', async () => {
    const api = createCaller({ db: undefined as never, actor: null });
    const result = await api.patterns.validate({ text: 'apiVersion: meshloom.dev/v1alpha1\nkind: Pattern\nmetadata:\n  name: x\n  title: X\n  category: nope\n' });
    expect(result.ok).toBe(false);
    expect(result.diagnostics.find((d) => d.code === 'ML2004')?.line).toBe(6);
  });
});
