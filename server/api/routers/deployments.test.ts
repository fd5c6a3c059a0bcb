// The deployments API's access rules, through a tRPC caller, with the real Kubernetes target
// talking to the TEST DOUBLE of the Kubernetes API server (no cluster runs here): one API server
// double per database, each fixture pattern in its own namespace.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createCaller } from '@/server/api/root';
import type { TActor, TRole } from '@/server/auth/roles';
import { describeEachDatabase } from '@/server/db/testing';
import { createPattern } from '@/server/services/patterns';
import { createUser } from '@/server/services/patterns/testing';
import type { TRunEvent } from '@/server/services/deploy';
import { meshKinds, startCluster, type TCluster } from '@/server/targets/kubernetes/_testing/harness';
import { LABEL_DEPLOYMENT } from '@/server/targets/kubernetes/objects';
import { setTargetForTesting } from '@/server/targets/registry';
import { createSandboxTarget } from '@/server/targets/sandbox';

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

/** A deployable pattern: web → api (v1, v2) with a canary route, in the namespace `name`. */
function deployablePattern(name: string): string {
  return `apiVersion: meshloom.dev/v1alpha1
kind: Pattern
metadata:
  name: ${name}
  title: Deploy test ${name}
  category: traffic-management
  summary: For the deployments API tests.
spec:
  services:
    - {name: web, namespace: ${name}, calls: [api]}
    - {name: api, namespace: ${name}, versions: [v1, v2]}
  routes:
    - service: api
      rules:
        - backends: [{version: v1, weight: 90}, {version: v2, weight: 10}]
`;
}

describeEachDatabase('deployments API access rules', (get) => {
  let cluster: TCluster;
  let sandboxRoot: string;
  beforeAll(async () => {
    cluster = await startCluster({ kinds: meshKinds('istio') });
    setTargetForTesting('kubernetes', cluster.target);
    // Not deployed to here; set so that listing the targets never makes the default sandbox folder.
    sandboxRoot = mkdtempSync(join(tmpdir(), 'meshloom-api-sandbox-'));
    setTargetForTesting('sandbox', createSandboxTarget({ root: sandboxRoot }));
  });
  afterAll(async () => {
    setTargetForTesting('kubernetes', null);
    setTargetForTesting('sandbox', null);
    await cluster.close();
    rmSync(sandboxRoot, { recursive: true, force: true });
  });

  const callerFor = (actor: TActor) => createCaller({ db: get().db, actor });
  async function actorWith(role: TRole): Promise<TActor> {
    const user = await createUser(get().db, role);
    return { ...user, name: role, email: `${user.id}@example.test` };
  }
  /** `kind/name` of the live objects of deployment `name`. */
  const live = (name: string) =>
    cluster.server
      .objects()
      .filter((o) => o.metadata.labels?.[LABEL_DEPLOYMENT] === name)
      .map((o) => `${o.kind}/${o.metadata.name}`)
      .sort();
  /** Real applies and deletes the API server double received. */
  const writes = () => cluster.server.requests.filter((r) => (r.verb === 'PATCH' || r.verb === 'DELETE') && !r.dryRun);

  /** A deployed pattern and its failed run (the API server refused its third object), for the undeploy/rollback attempts. */
  async function fixture(name: string) {
    const admin = await actorWith('admin');
    await createPattern({ db: get().db, actor: admin, text: deployablePattern(name), visibility: 'public' });
    const api = callerFor(admin);
    cluster.server.rejectApply(3);
    const { runId, deploymentId } = await api.deployments.deploy({ target: 'kubernetes', mesh: 'istio', pattern: name });
    const events: TRunEvent[] = [];
    // Through a caller, each event is a tracked envelope: [id, data, symbol].
    for await (const e of await api.deployments.progress({ runId })) events.push((e as unknown as [string, TRunEvent])[1]);
    cluster.server.clearFailures();
    expect(events.at(-1)).toMatchObject({ type: 'end', run: { ok: false, error: { code: 'ML7022' } } });
    expect(live(name)).toEqual(['ConfigMap/meshloom-sample-app', `Namespace/${name}`]);
    cluster.server.clearRequests();
    return { runId, deploymentId };
  }

  it('refuses everything but the target list to a signed-out caller', async () => {
    const { runId, deploymentId } = await fixture('api-anon');
    const anon = callerFor(null);
    const input = { target: 'kubernetes', mesh: 'istio', pattern: 'api-anon' } as const;
    const attempts = {
      plan: anon.deployments.plan(input),
      deploy: anon.deployments.deploy(input),
      undeploy: anon.deployments.undeploy({ id: deploymentId }),
      rollback: anon.deployments.rollback({ runId }),
      list: anon.deployments.list(),
      get: anon.deployments.get({ id: deploymentId }),
      progress: anon.deployments.progress({ runId }),
      status: anon.deployments.status({ id: deploymentId }),
      drift: anon.deployments.drift({ id: deploymentId }),
      logs: anon.deployments.logs({ id: deploymentId }),
    };
    for (const [name, attempt] of Object.entries(attempts)) expect(`${name}: ${await codeOf(attempt)}`).toBe(`${name}: UNAUTHORIZED`);
    const targets = await anon.deployments.targets();
    expect(targets.map((t) => [t.id, t.available])).toContainEqual(['kubernetes', true]);
    // Nothing was run: the only runs are the fixture's, and the cluster saw no write.
    expect(await get().db.deploymentRun.count({ where: { deploymentId } })).toBe(1);
    expect(writes()).toEqual([]);
  });

  it('refuses plan, deploy, undeploy and rollback to viewers and editors, who may still look', async () => {
    const { runId, deploymentId } = await fixture('api-roles');
    for (const role of ['viewer', 'editor'] as const) {
      const api = callerFor(await actorWith(role));
      const input = { target: 'kubernetes', mesh: 'istio', pattern: 'api-roles' } as const;
      const attempts = {
        plan: api.deployments.plan(input),
        deploy: api.deployments.deploy(input),
        undeploy: api.deployments.undeploy({ id: deploymentId }),
        rollback: api.deployments.rollback({ runId }),
      };
      for (const [name, attempt] of Object.entries(attempts)) expect(`${role} ${name}: ${await codeOf(attempt)}`).toBe(`${role} ${name}: FORBIDDEN`);
      expect((await api.deployments.list()).map((d) => d.id)).toContain(deploymentId);
      expect((await api.deployments.get({ id: deploymentId })).status).toBe('failed');
      expect((await api.deployments.status({ id: deploymentId })).exists).toBe(true);
      expect(await codeOf(api.deployments.drift({ id: deploymentId }))).toBe('OK');
      expect(await codeOf(api.deployments.logs({ id: deploymentId }))).toBe('OK');
      expect(await codeOf(api.deployments.progress({ runId }))).toBe('OK');
    }
    expect(await get().db.deploymentRun.count({ where: { deploymentId } })).toBe(1);
    // Looking changed nothing: the failed run's two objects, no write since.
    expect(live('api-roles')).toEqual(['ConfigMap/meshloom-sample-app', 'Namespace/api-roles']);
    expect(writes()).toEqual([]);
  });

  it('lets an operator plan, deploy, roll back and undeploy; coded errors carry their ML code', async () => {
    const { runId, deploymentId } = await fixture('api-operator');
    const api = callerFor(await actorWith('operator'));
    const plan = await api.deployments.plan({ target: 'kubernetes', mesh: 'istio', pattern: 'api-operator' });
    expect(plan.existing).toEqual({ id: deploymentId, status: 'failed' });
    expect(plan.changes.filter((c) => c.action === 'create').length).toBeGreaterThan(0);
    const rollback = await api.deployments.rollback({ runId });
    for await (const _ of await api.deployments.progress({ runId: rollback.runId }));
    expect((await api.deployments.get({ id: deploymentId })).status).toBe('rolled-back');
    expect(live('api-operator')).toEqual([]);
    const deploy = await api.deployments.deploy({ target: 'kubernetes', mesh: 'istio', pattern: 'api-operator' });
    for await (const _ of await api.deployments.progress({ runId: deploy.runId }));
    expect((await api.deployments.get({ id: deploymentId })).status).toBe('deployed');
    expect(live('api-operator')).toHaveLength(plan.changes.length);
    const undeploy = await api.deployments.undeploy({ id: deploymentId });
    for await (const _ of await api.deployments.progress({ runId: undeploy.runId }));
    expect((await api.deployments.get({ id: deploymentId })).status).toBe('deleted');
    expect(live('api-operator')).toEqual([]);

    try {
      await api.deployments.plan({ target: 'kubernetes', mesh: 'haproxy', pattern: 'api-operator' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(TRPCError);
      expect((e as TRPCError).code).toBe('BAD_REQUEST');
      expect((e as TRPCError).message).toMatch(/^ML7002/);
    }
    expect(await codeOf(api.deployments.plan({ target: 'kubernetes', mesh: 'istio' } as never))).toBe('BAD_REQUEST');
  });
});
