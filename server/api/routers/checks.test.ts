// The checks API's access rules, through a tRPC caller, on both databases, with the REAL
// conformance engine on the REAL sandbox (HAProxy and sample workloads on 127.0.0.1, in a
// temporary folder): one SMI run per database, and a behaviour check after a real deploy.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaller } from '@/server/api/root';
import type { TActor, TRole } from '@/server/auth/roles';
import { describeEachDatabase } from '@/server/db/testing';
import type { TCheckEvent, TCheckRunDto } from '@/server/services/checks';
import type { TRunEvent } from '@/server/services/deploy';
import { createPattern } from '@/server/services/patterns';
import { createUser } from '@/server/services/patterns/testing';
import { setTargetForTesting } from '@/server/targets/registry';
import { createSandboxTarget, type TSandboxTarget } from '@/server/targets/sandbox';
import { findHaproxy } from '@/server/targets/sandbox/haproxy';

const haproxyBin = findHaproxy();
if (!haproxyBin) console.log('skipping the checks API tests: haproxy is not installed (npm run setup installs it)');

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    const value = await promise;
    // A subscription returns an async iterable: the rights are checked before it is returned.
    if (value && typeof value === 'object' && Symbol.asyncIterator in value) for await (const _ of value as AsyncIterable<unknown>) break;
    return 'OK';
  } catch (e) {
    return e instanceof TRPCError ? e.code : `not a TRPCError: ${String(e)}`;
  }
}

/** A small pattern: web → api with a 90/10 canary, private or public. */
function patternText(name: string): string {
  return `apiVersion: meshloom.dev/v1alpha1
kind: Pattern
metadata:
  name: ${name}
  title: Checks API ${name}
  category: traffic-management
  summary: For the checks API tests.
spec:
  services:
    - {name: web, calls: [api]}
    - {name: api, versions: [v1, v2]}
  routes:
    - service: api
      rules:
        - backends: [{version: v1, weight: 90}, {version: v2, weight: 10}]
`;
}

describe.skipIf(!haproxyBin)('checks API', () => {
  let root: string;
  let sandbox: TSandboxTarget;
  /** What the tests deploy themselves (the suites undeploy their own), removed even when a test failed half-way. */
  const deployed = new Set<string>();
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'meshloom-checks-api-'));
    sandbox = createSandboxTarget({ root });
    setTargetForTesting('sandbox', sandbox);
  });
  afterAll(async () => {
    for (const deployment of deployed) await sandbox.delete({ deployment, mesh: 'haproxy' }).catch(() => undefined);
    setTargetForTesting('sandbox', null);
    rmSync(root, { recursive: true, force: true });
  });

  describeEachDatabase('checks API access rules', (get) => {
    const callerFor = (actor: TActor) => createCaller({ db: get().db, actor });
    async function actorWith(role: TRole): Promise<TActor> {
      const user = await createUser(get().db, role);
      return { ...user, name: role, email: `${user.id}@example.test` };
    }
    /** Every event of a run, through the subscription (each a tracked envelope: [id, data, symbol]). */
    async function follow(api: ReturnType<typeof callerFor>, runId: string): Promise<TCheckEvent[]> {
      const events: TCheckEvent[] = [];
      for await (const e of await api.checks.progress({ runId })) events.push((e as unknown as [string, TCheckEvent])[1]);
      return events;
    }

    let smiRun: TCheckRunDto;
    beforeAll(async () => {
      const operator = callerFor(await actorWith('operator'));
      const { runId } = await operator.checks.start({ target: 'sandbox', suites: ['smi'] });
      const events = await follow(operator, runId);
      const end = events.at(-1)!;
      if (end.type !== 'end') throw new Error('the run did not end');
      smiRun = end.run;
      expect(events.filter((e) => e.type === 'step')).toHaveLength(24);
    }, 240_000);

    it('refuses starting, cancelling and reading runs to a signed-out caller; the matrix and public badges are open', async () => {
      const anon = callerFor(null);
      const attempts = {
        start: anon.checks.start({ target: 'sandbox', suites: ['smi'] }),
        cancel: anon.checks.cancel({ id: smiRun.id }),
        progress: anon.checks.progress({ runId: smiRun.id }),
        list: anon.checks.list(),
        get: anon.checks.get({ id: smiRun.id }),
        export: anon.checks.export({ id: smiRun.id }),
      };
      for (const [name, attempt] of Object.entries(attempts)) expect(`${name}: ${await codeOf(attempt)}`).toBe(`${name}: UNAUTHORIZED`);
      const matrix = await anon.checks.matrix();
      expect(matrix.cells.find((c) => c.mesh === 'haproxy' && c.feature === 'traffic-split')?.measured).toMatchObject({ runId: smiRun.id, target: 'sandbox' });
      const admin = await actorWith('admin');
      await createPattern({ db: get().db, actor: admin, text: patternText('api-public'), visibility: 'public' });
      expect(await anon.checks.latestByPattern({ pattern: 'api-public' })).toEqual({ pattern: 'api-public', status: 'untested', latest: null, byMesh: [] });
      expect(await codeOf(anon.checks.latestByPattern({ pattern: 'no-such-pattern' }))).toBe('NOT_FOUND');
      // Nothing was started: still one run.
      expect(await get().db.checkRun.count()).toBe(1);
    });

    it('refuses start and cancel to viewers and editors, who may still look, follow and export', async () => {
      for (const role of ['viewer', 'editor'] as const) {
        const api = callerFor(await actorWith(role));
        expect(`${role} start: ${await codeOf(api.checks.start({ target: 'sandbox', suites: ['smi'] }))}`).toBe(`${role} start: FORBIDDEN`);
        expect(`${role} cancel: ${await codeOf(api.checks.cancel({ id: smiRun.id }))}`).toBe(`${role} cancel: FORBIDDEN`);
        expect((await api.checks.list()).map((r) => r.id)).toEqual([smiRun.id]);
        expect(await api.checks.get({ id: smiRun.id })).toEqual(smiRun);
        const exported = await api.checks.export({ id: smiRun.id });
        expect(exported.id).toBe(smiRun.id);
        expect(exported.suites.flatMap((s) => s.steps)).toHaveLength(24);
        // A finished run's progress replays its events, ending with its record.
        const events = await follow(api, smiRun.id);
        expect(events.at(-1)).toMatchObject({ type: 'end', run: { id: smiRun.id } });
      }
      expect(await get().db.checkRun.count()).toBe(1);
    });

    it('lets an operator check a deployment after its deploy; runs for a private pattern are for its owner and admins only', async () => {
      const db = get().db;
      const owner = await actorWith('operator');
      const api = callerFor(owner);
      const name = `api-private-${get().provider}`;
      await createPattern({ db, actor: owner, text: patternText(name), visibility: 'private' });
      deployed.add(name);
      const deploy = await api.deployments.deploy({ target: 'sandbox', mesh: 'haproxy', pattern: name });
      const deployEvents: TRunEvent[] = [];
      for await (const e of await api.deployments.progress({ runId: deploy.runId })) deployEvents.push((e as unknown as [string, TRunEvent])[1]);
      expect(deployEvents.at(-1)).toMatchObject({ type: 'end', run: { ok: true } });

      const { runId } = await api.checks.start({ deploymentId: deploy.deploymentId });
      const events = await follow(api, runId);
      const end = events.at(-1)!;
      expect(end.type).toBe('end');
      const run = (end as Extract<TCheckEvent, { type: 'end' }>).run;
      expect(run).toMatchObject({ target: 'sandbox', mesh: 'haproxy', suites: ['behaviour'], patternName: name, deploymentId: deploy.deploymentId });
      expect(run.results.length).toBeGreaterThan(0);
      expect(run.results.map((r) => [r.suite, r.pattern])).toEqual([['behaviour', name]]);
      // The pattern's badge: its latest behaviour result, for its owner.
      const badge = await api.checks.latestByPattern({ pattern: name });
      const verdict = run.totals.failed > 0 ? 'failed' : run.totals.passed > 0 ? 'passed' : 'untested';
      expect(badge).toMatchObject({ pattern: name, status: verdict, latest: { runId, target: 'sandbox', mesh: 'haproxy', at: run.finishedAt } });
      // Its per-pattern matrix: its features, measured by this run where a step checked them.
      const own = await api.checks.matrix({ pattern: name });
      expect(own.features.map((f) => f.id)).toEqual(['traffic-split']);
      const split = own.cells.find((c) => c.mesh === 'haproxy' && c.feature === 'traffic-split')!;
      const splitSteps = run.results[0]!.steps.filter((s) => s.name.startsWith('split:'));
      expect(splitSteps.length).toBeGreaterThan(0);
      expect(split.measured).toMatchObject({ runId, status: splitSteps.some((s) => s.status === 'FAILED') ? 'failed' : 'passed' });

      // Others do not see it; an admin does.
      const other = callerFor(await actorWith('operator'));
      expect((await other.checks.list()).map((r) => r.id)).not.toContain(runId);
      for (const attempt of [() => other.checks.get({ id: runId }), () => other.checks.export({ id: runId }), () => other.checks.progress({ runId }), () => other.checks.latestByPattern({ pattern: name })]) {
        expect(await codeOf(attempt())).toBe('NOT_FOUND');
      }
      expect(await codeOf(other.checks.start({ deploymentId: deploy.deploymentId }))).toBe('NOT_FOUND');
      expect((await callerFor(await actorWith('admin')).checks.list()).map((r) => r.id)).toContain(runId);
      expect((await api.checks.list({ patternName: name })).map((r) => r.id)).toEqual([runId]);

      // Undeployed, it cannot be checked (ML8002); the pattern itself still can be, by name.
      const undeploy = await api.deployments.undeploy({ id: deploy.deploymentId });
      for await (const _ of await api.deployments.progress({ runId: undeploy.runId }));
      try {
        await api.checks.start({ deploymentId: deploy.deploymentId });
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(TRPCError);
        expect((e as TRPCError).code).toBe('PRECONDITION_FAILED');
        expect((e as TRPCError).message).toMatch(/^ML8002/);
      }
      expect(await codeOf(api.checks.start({ pattern: name, suites: ['smi'] }))).toBe('BAD_REQUEST');
      expect(await codeOf(api.checks.start({ pattern: name, deploymentId: deploy.deploymentId }))).toBe('BAD_REQUEST');
      expect(await codeOf(api.checks.start({ suites: [] }))).toBe('BAD_REQUEST');
      expect(await codeOf(api.checks.start({ suites: ['perf'] } as never))).toBe('BAD_REQUEST');
      // Cancelling a run that is not in progress says so.
      expect(await codeOf(api.checks.cancel({ id: runId }))).toBe('PRECONDITION_FAILED');
    });
  });
});
