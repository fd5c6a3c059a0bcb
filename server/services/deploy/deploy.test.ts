/**
 * The deploy flow (plan → deploy → status/drift/logs → undeploy, rollback of a failed deploy)
 * driving REAL targets, on both databases:
 *
 * - the Kubernetes target (server/targets/kubernetes) talking to the TEST DOUBLE of the
 *   Kubernetes API server (server/targets/kubernetes/_testing/fake-api-server.ts) — a cluster is
 *   the one thing that cannot run here. A fresh API server double per test, serving Istio's CRDs;
 *   failures are injected there (a 422 from an admission webhook), and a request can be held
 *   there to look at an apply half-way;
 * - the sandbox target (server/targets/sandbox) for real — HAProxy and sample-workload processes
 *   on 127.0.0.1 — for one whole deploy → healthy → undeploy; skipped, with the reason printed,
 *   when haproxy is not installed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '@/server/db/testing';
import { createKubernetesTarget } from '@/server/targets/kubernetes';
import { FakeKubeApiServer } from '@/server/targets/kubernetes/_testing/fake-api-server';
import { meshKinds, startCluster, type TCluster } from '@/server/targets/kubernetes/_testing/harness';
import { LABEL_DEPLOYMENT } from '@/server/targets/kubernetes/objects';
import { setTargetForTesting } from '@/server/targets/registry';
import { createSandboxTarget, type TSandboxTarget } from '@/server/targets/sandbox';
import { findHaproxy } from '@/server/targets/sandbox/haproxy';
import { isServiceError, ServiceError } from '../errors';
import { createPattern, updatePattern } from '../patterns';
import { createUser } from '../patterns/testing';
import type { Actor } from '../types';
import { endRun, followRun, openRun, publishProgress } from './events';
import {
  checkDeploymentDrift,
  deployPattern,
  getDeployment,
  getDeploymentLogs,
  getDeploymentStatus,
  listDeployments,
  listTargets,
  planDeployment,
  redact,
  rollbackRun,
  safeEndpoints,
  type TRunDto,
  type TRunEvent,
  undeployDeployment,
  watchRun,
} from './index';

// The server's kubeconfig (MESHLOOM_KUBECONFIG): each test's API server double writes its
// kubeconfig here. Neither this path nor the token in it may appear in anything returned.
const secretDir = mkdtempSync(join(tmpdir(), 'meshloom-deploy-test-'));
const KUBECONFIG = join(secretDir, 'kubeconfig');
const kubeconfigBefore = process.env.MESHLOOM_KUBECONFIG;
process.env.MESHLOOM_KUBECONFIG = KUBECONFIG;
afterAll(() => {
  rmSync(secretDir, { recursive: true, force: true });
  if (kubeconfigBefore === undefined) delete process.env.MESHLOOM_KUBECONFIG;
  else process.env.MESHLOOM_KUBECONFIG = kubeconfigBefore;
});

const haproxyBin = findHaproxy();
if (!haproxyBin) console.log('skipping the sandbox deploy test: haproxy is not installed (npm run setup installs it)');

/** What a label written by hand on a live object holds: it ends up in `previous`, which must never be sent. */
const PREVIOUS_MARKER = 'previous-state-marker-7c1e';

/**
 * A deployable pattern: web → api (v1, v2) with a canary route, everything in the namespace
 * `name`; `extra` adds a third service, `apiLabels` labels the api service, `accessLog` logs every request.
 */
function deployablePattern(name: string, o: { weight?: number; extra?: boolean; apiLabels?: Record<string, string>; accessLog?: boolean } = {}): string {
  const weight = o.weight ?? 10;
  return `apiVersion: meshloom.dev/v1alpha1
kind: Pattern
metadata:
  name: ${name}
  title: Deploy test ${name}
  category: traffic-management
  summary: For the deploy tests.
spec:
  services:
    - name: web
      namespace: ${name}
      calls: [api]
    - name: api
      namespace: ${name}
      versions: [v1, v2]${o.apiLabels ? `\n      labels: ${JSON.stringify(o.apiLabels)}` : ''}${o.extra ? `\n    - name: extra\n      namespace: ${name}` : ''}
  routes:
    - service: api
      rules:
        - backends: [{version: v1, weight: ${100 - weight}}, {version: v2, weight: ${weight}}]
${o.accessLog ? '  policies:\n    - {kind: AccessLog}\n' : ''}`;
}

/** The objects the Kubernetes target applies for {@link deployablePattern} on Istio, in order. */
function objectKeys(ns: string, extra = false): string[] {
  return [
    `v1/Namespace/${ns}`,
    `v1/ConfigMap/${ns}/meshloom-sample-app`,
    `v1/ServiceAccount/${ns}/web`,
    `v1/ServiceAccount/${ns}/api`,
    ...(extra ? [`v1/ServiceAccount/${ns}/extra`] : []),
    `v1/Service/${ns}/web`,
    `apps/v1/Deployment/${ns}/web-v1`,
    `v1/Service/${ns}/api`,
    `apps/v1/Deployment/${ns}/api-v1`,
    `apps/v1/Deployment/${ns}/api-v2`,
    ...(extra ? [`v1/Service/${ns}/extra`, `apps/v1/Deployment/${ns}/extra-v1`] : []),
    `networking.istio.io/v1/VirtualService/${ns}/api`,
    `networking.istio.io/v1/DestinationRule/${ns}/api`,
  ];
}

async function collect(events: AsyncIterable<TRunEvent>): Promise<TRunEvent[]> {
  const out: TRunEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

async function errorOf(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (e) {
    if (isServiceError(e)) return e;
    throw e;
  }
  throw new Error('expected a ServiceError');
}

/** `kind/name` of the live objects labelled as deployment `name`'s, sorted. */
const ownedBy = (c: TCluster, name: string) =>
  c.server
    .objects()
    .filter((o) => o.metadata.labels?.[LABEL_DEPLOYMENT] === name)
    .map((o) => `${o.kind}/${o.metadata.name}`)
    .sort();
/** Requests that changed (or would have changed) something: real applies and deletes. */
const writes = (c: TCluster) => c.server.requests.filter((r) => (r.verb === 'PATCH' || r.verb === 'DELETE') && !r.dryRun).map((r) => `${r.verb} ${r.kind}/${r.name}`);
/** What the cluster holds, without what the server changes on every write (versions, managers, status). */
const liveState = (c: TCluster) =>
  c.server
    .objects()
    .map((o) => {
      const { labels, annotations, namespace, name } = o.metadata;
      return JSON.stringify({ id: `${o.kind}/${namespace ?? ''}/${name}`, labels, annotations, spec: o.spec, data: o.data });
    })
    .sort();

function httpGet(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describeEachDatabase('deploy services', (get) => {
  let cluster: TCluster;
  let sandbox: TSandboxTarget;
  let sandboxRoot: string;
  let operator: NonNullable<Actor>;
  let n = 0;
  const uniqueName = (base: string) => `${base}-${++n}-${Math.random().toString(36).slice(2, 6)}`;
  const k8s = { target: 'kubernetes', mesh: 'istio' } as const;

  beforeAll(() => {
    sandboxRoot = mkdtempSync(join(tmpdir(), 'meshloom-deploy-sandbox-'));
    sandbox = createSandboxTarget({ root: sandboxRoot });
  });
  afterAll(async () => {
    // Whatever happened: no process of a test outlives the suite.
    for (const d of sandbox.deployments()) await sandbox.delete({ deployment: d, mesh: 'haproxy' });
    rmSync(sandboxRoot, { recursive: true, force: true });
  });

  beforeEach(async () => {
    cluster = await startCluster({ kinds: meshKinds('istio'), kubeconfig: KUBECONFIG });
    setTargetForTesting('kubernetes', cluster.target);
    setTargetForTesting('sandbox', sandbox);
    operator = await createUser(get().db, 'operator');
  });
  afterEach(async () => {
    setTargetForTesting('sandbox', null);
    setTargetForTesting('kubernetes', null);
    await cluster.close();
  });

  async function savedPattern(name: string, visibility: 'public' | 'private' = 'public', owner = operator) {
    return createPattern({ db: get().db, actor: owner, text: deployablePattern(name), visibility });
  }

  it('plans, deploys with streamed progress and records the run; the same pattern again is the same deployment with no changes', async () => {
    const { db } = get();
    const name = uniqueName('flow');
    await savedPattern(name);
    const before = liveState(cluster);
    const plan = await planDeployment({ db, actor: operator, pattern: name, ...k8s });
    expect(plan).toMatchObject({ deployment: name, patternName: name, patternVersion: 1, changed: true, existing: null });
    expect(plan.changes.map((c) => `${c.action} ${c.key}`)).toEqual(objectKeys(name).map((k) => `create ${k}`));
    expect(plan.changes.find((c) => c.kind === 'VirtualService')!.diff).toMatch(/^\+\s+weight: 10$/m);
    // A plan writes nothing: no deployment row, nothing on the cluster.
    expect(await db.deployment.count({ where: { name } })).toBe(0);
    expect(writes(cluster)).toEqual([]);
    expect(liveState(cluster)).toEqual(before);

    const started = await deployPattern({ db, actor: operator, pattern: name, ...k8s });
    const run = await started.finished;
    expect(run).toMatchObject({ kind: 'apply', state: 'succeeded', ok: true, changed: true, patternVersion: 1, error: null });
    expect(run.outcomes.map((o) => `${o.status} ${o.key}`)).toEqual(objectKeys(name).map((k) => `applied ${k}`));
    expect(ownedBy(cluster, name)).toHaveLength(objectKeys(name).length);
    expect(cluster.server.getObject('VirtualService', 'api', name)!.spec.http[0].route.map((r: { weight: number }) => r.weight)).toEqual([90, 10]);

    // A late subscriber gets every event so far, in order, ending with the run's record.
    const events = await collect(await watchRun({ db, actor: operator, runId: started.runId }));
    const total = objectKeys(name).length;
    expect(events.map((e) => (e.type === 'progress' ? e.phase : 'end'))).toEqual(['render', 'plan', ...Array(total).fill('apply'), 'end']);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: total + 3 }, (_, i) => i + 1));
    expect(events.filter((e) => e.type === 'progress' && e.phase === 'apply').map((e) => (e as { done?: number }).done)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect((events.at(-1) as { run: TRunDto }).run.id).toBe(started.runId);
    // …and resumes after the last event it saw.
    expect((await collect(await watchRun({ db, actor: operator, runId: started.runId, after: total + 1 }))).map((e) => e.seq)).toEqual([total + 2, total + 3]);

    const deployment = await getDeployment({ db, actor: operator, id: started.deploymentId });
    expect(deployment).toMatchObject({ name, patternName: name, patternVersion: 1, latestVersion: 1, target: 'kubernetes', mesh: 'istio', status: 'deployed', activeRunId: null });
    expect(deployment.endpoints).toEqual({ web: `http://web.${name}.svc.cluster.local:80`, api: `http://api.${name}.svc.cluster.local:80` });
    expect(deployment.createdBy).toMatch(/^operator /);

    const plan2 = await planDeployment({ db, actor: operator, pattern: name, ...k8s });
    expect(plan2.changed).toBe(false);
    expect(plan2.summary).toEqual({ create: 0, update: 0, delete: 0, unchanged: total });
    expect(plan2.existing).toEqual({ id: started.deploymentId, status: 'deployed' });
    cluster.server.clearRequests();
    const again = await deployPattern({ db, actor: operator, pattern: name, ...k8s });
    expect(again.deploymentId).toBe(started.deploymentId);
    expect(await again.finished).toMatchObject({ ok: true, changed: false });
    // Nothing was written to the cluster the second time.
    expect(writes(cluster)).toEqual([]);
    const detail = await getDeployment({ db, actor: operator, id: started.deploymentId });
    expect(detail.runs.map((r) => `${r.kind} ${r.changed}`)).toEqual(['apply false', 'plan false', 'apply true']);
    expect(await db.deployment.count({ where: { name } })).toBe(1);
  });

  it('plans an update of a new pattern version with diffs, and deploys the version asked for', async () => {
    const { db } = get();
    const name = uniqueName('versions');
    await savedPattern(name);
    await (await deployPattern({ db, actor: operator, pattern: name, ...k8s })).finished;
    await updatePattern({ db, actor: operator, name, text: deployablePattern(name, { weight: 40 }), expectedVersion: 1 });
    const plan = await planDeployment({ db, actor: operator, pattern: name, ...k8s });
    expect(plan.patternVersion).toBe(2);
    expect(plan.changes.filter((c) => c.action !== 'unchanged').map((c) => `${c.action} ${c.key}`)).toEqual([`update networking.istio.io/v1/VirtualService/${name}/api`]);
    const vs = plan.changes.find((c) => c.kind === 'VirtualService')!;
    expect(vs.diff).toMatch(/^-\s+weight: 90$/m);
    expect(vs.diff).toMatch(/^\+\s+weight: 60$/m);
    expect(vs.diff).toMatch(/^-\s+weight: 10$/m);
    expect(vs.diff).toMatch(/^\+\s+weight: 40$/m);
    // Version 1 explicitly: nothing to change.
    expect((await planDeployment({ db, actor: operator, pattern: name, version: 1, ...k8s })).changed).toBe(false);
    expect((await errorOf(planDeployment({ db, actor: operator, pattern: name, version: 9, ...k8s }))).code).toBe('NOT_FOUND');
    // Plans changed nothing live.
    expect(cluster.server.getObject('VirtualService', 'api', name)!.spec.http[0].route.map((r: { weight: number }) => r.weight)).toEqual([90, 10]);

    const second = await deployPattern({ db, actor: operator, pattern: name, ...k8s });
    const run = await second.finished;
    expect(run).toMatchObject({ ok: true, changed: true, patternVersion: 2 });
    expect(run.outcomes.filter((o) => o.status !== 'unchanged').map((o) => `${o.action} ${o.status} ${o.kind}`)).toEqual(['update applied VirtualService']);
    expect(cluster.server.getObject('VirtualService', 'api', name)!.spec.http[0].route.map((r: { weight: number }) => r.weight)).toEqual([60, 40]);
    expect((await getDeployment({ db, actor: operator, id: second.deploymentId })).patternVersion).toBe(2);
  });

  it('allows one operation per deployment at a time (ML7004)', async () => {
    const { db } = get();
    const name = uniqueName('busy');
    await savedPattern(name);
    // The API server double holds the third object's apply: the deploy stops half-way until released.
    const hold = cluster.server.hold({ verb: 'PATCH', dryRun: false, nth: 3 });
    const first = await deployPattern({ db, actor: operator, pattern: name, ...k8s });
    expect(await hold.reached).toMatchObject({ kind: 'ServiceAccount', name: 'web', namespace: name });
    const busy = await errorOf(deployPattern({ db, actor: operator, pattern: name, ...k8s }));
    expect([busy.code, busy.detail?.errorCode]).toEqual(['CONFLICT', 'ML7004']);
    expect((await errorOf(undeployDeployment({ db, actor: operator, id: first.deploymentId }))).detail?.errorCode).toBe('ML7004');
    const during = await getDeployment({ db, actor: operator, id: first.deploymentId });
    expect([during.status, during.activeRunId, during.lastRun?.state]).toEqual(['deploying', first.runId, 'running']);
    // Half-way for real: the first two objects exist, nothing after them.
    expect(ownedBy(cluster, name)).toEqual(['ConfigMap/meshloom-sample-app', `Namespace/${name}`]);

    // A live subscriber sees the events as they happen and the end.
    const watching = collect(await watchRun({ db, actor: operator, runId: first.runId }));
    hold.release();
    const events = await watching;
    expect(events.at(-1)).toMatchObject({ type: 'end', run: { ok: true } });
    expect(events.filter((e) => e.type === 'progress' && e.phase === 'apply')).toHaveLength(objectKeys(name).length);
    await first.finished;
    expect(ownedBy(cluster, name)).toHaveLength(objectKeys(name).length);
    // Free again.
    expect(await (await deployPattern({ db, actor: operator, pattern: name, ...k8s })).finished).toMatchObject({ ok: true, changed: false });
  });

  it('a failure midway reports exactly what was applied, never sends `previous` or a credential, and rolls back', async () => {
    const { db } = get();
    const name = uniqueName('fails');
    await savedPattern(name);
    await (await deployPattern({ db, actor: operator, pattern: name, ...k8s })).finished;
    const endpoints = (await getDeployment({ db, actor: operator, id: (await db.deployment.findFirstOrThrow({ where: { name } })).id })).endpoints;
    // Someone notes something on the live api Service by hand (kubectl edit): part of its `previous` from now on.
    cluster.server.edit('Service', 'api', name, (o) => {
      o.metadata.annotations = { 'example.com/note': PREVIOUS_MARKER };
    });
    // Version 2: a third service, a label on api, new weights.
    await updatePattern({ db, actor: operator, name, text: deployablePattern(name, { weight: 50, extra: true, apiLabels: { tier: 'backend' } }), expectedVersion: 1 });
    const liveBefore = liveState(cluster);

    // An admission webhook refuses the new VirtualService, quoting the caller's token and the kubeconfig path.
    cluster.server.fail({
      verb: 'PATCH',
      kind: 'VirtualService',
      dryRun: false,
      times: 1,
      status: 422,
      reason: 'Invalid',
      message: `admission webhook "validation.istio.io" denied the request: weights rejected for Authorization: Bearer ${cluster.server.token} (${KUBECONFIG})`,
    });
    const failed = await deployPattern({ db, actor: operator, pattern: name, ...k8s });
    const run = await failed.finished;
    expect(run).toMatchObject({ ok: false, state: 'failed', changed: true, error: { code: 'ML7022' } });
    expect(run.error!.message).toContain('denied the request: weights rejected');
    expect(run.outcomes.map((o) => `${o.action} ${o.status} ${o.kind}/${o.namespace ? `${o.namespace}/` : ''}${o.name}`)).toEqual([
      `unchanged unchanged Namespace/${name}`,
      `unchanged unchanged ConfigMap/${name}/meshloom-sample-app`,
      `unchanged unchanged ServiceAccount/${name}/web`,
      `unchanged unchanged ServiceAccount/${name}/api`,
      `create applied ServiceAccount/${name}/extra`,
      `unchanged unchanged Service/${name}/web`,
      `unchanged unchanged Deployment/${name}/web-v1`,
      `update applied Service/${name}/api`,
      `unchanged unchanged Deployment/${name}/api-v1`,
      `unchanged unchanged Deployment/${name}/api-v2`,
      `create applied Service/${name}/extra`,
      `create applied Deployment/${name}/extra-v1`,
      `update failed VirtualService/${name}/api`,
      `create skipped DestinationRule/${name}/api`,
    ]);
    expect(run.outcomes.map((o) => o.key)).toEqual(objectKeys(name, true));
    // Live: exactly what the outcomes say.
    expect(cluster.server.getObject('Service', 'extra', name)).toBeDefined();
    expect(cluster.server.getObject('Service', 'api', name)!.metadata.labels).toHaveProperty('tier', 'backend');
    expect(cluster.server.getObject('VirtualService', 'api', name)!.spec.http[0].route.map((r: { weight: number }) => r.weight)).toEqual([90, 10]);

    const detail = await getDeployment({ db, actor: operator, id: failed.deploymentId });
    expect(detail.status).toBe('failed');
    // The old endpoints are kept: they may still answer.
    expect(detail.endpoints).toEqual(endpoints);
    // `previous` is stored for rollback but never returned; the token and the kubeconfig path never either.
    const events = await collect(await watchRun({ db, actor: operator, runId: failed.runId }));
    const sent = JSON.stringify([run, detail, await listDeployments({ db, actor: operator }), events]);
    expect(sent).not.toContain(PREVIOUS_MARKER);
    expect(sent).not.toContain('previous');
    expect(sent).not.toContain(cluster.server.token);
    expect(sent).not.toContain(KUBECONFIG);
    expect(sent).not.toContain(secretDir);
    expect(sent).toContain('weights rejected for Authorization: [redacted]');
    // Nor in what the live views return.
    const looked = JSON.stringify([
      await getDeploymentStatus({ db, actor: operator, id: failed.deploymentId }),
      await checkDeploymentDrift({ db, actor: operator, id: failed.deploymentId }),
      await planDeployment({ db, actor: operator, pattern: name, ...k8s }),
      await listTargets(),
    ]);
    for (const secret of [cluster.server.token, KUBECONFIG, secretDir, cluster.server.url]) expect(looked).not.toContain(secret);
    const stored = (await db.deploymentRun.findUniqueOrThrow({ where: { id: failed.runId } })).outcomes;
    expect(stored).toContain(PREVIOUS_MARKER);
    expect(stored).toContain('"previous"');

    // Only the deployment's latest failed apply can be rolled back.
    const okRun = detail.runs.find((r) => r.kind === 'apply' && r.ok)!;
    expect((await errorOf(rollbackRun({ db, actor: operator, runId: okRun.id }))).code).toBe('BAD_REQUEST');

    cluster.server.clearRequests();
    const rollback = await rollbackRun({ db, actor: operator, runId: failed.runId });
    expect(await rollback.finished).toMatchObject({ kind: 'rollback', ok: true });
    // In reverse order: what it created is deleted, what it updated gets its `previous` back.
    expect(writes(cluster)).toEqual([
      'DELETE Deployment/extra-v1',
      'DELETE Service/extra',
      'PATCH Service/api',
      'DELETE ServiceAccount/extra',
    ]);
    expect(liveState(cluster)).toEqual(liveBefore);
    expect(cluster.server.getObject('Service', 'api', name)!.metadata.annotations).toEqual({ 'example.com/note': PREVIOUS_MARKER });
    // Back where it was: version 1 is what is live.
    const back = await planDeployment({ db, actor: operator, pattern: name, version: 1, ...k8s });
    expect(back.changes.filter((c) => c.action !== 'unchanged')).toEqual([]);
    expect((await getDeployment({ db, actor: operator, id: failed.deploymentId })).status).toBe('rolled-back');
    expect((await errorOf(rollbackRun({ db, actor: operator, runId: failed.runId }))).code).toBe('CONFLICT');
  });

  it('a failed first deploy rolled back leaves nothing and no endpoints', async () => {
    const { db } = get();
    const name = uniqueName('first-fails');
    await savedPattern(name);
    const before = liveState(cluster);
    cluster.server.rejectApply(3);
    const failed = await deployPattern({ db, actor: operator, pattern: name, ...k8s });
    expect((await failed.finished).outcomes.map((o) => o.status)).toEqual(['applied', 'applied', 'failed', ...Array(objectKeys(name).length - 3).fill('skipped')]);
    expect(ownedBy(cluster, name)).toEqual(['ConfigMap/meshloom-sample-app', `Namespace/${name}`]);
    cluster.server.clearFailures();
    expect(await (await rollbackRun({ db, actor: operator, runId: failed.runId })).finished).toMatchObject({ ok: true, changed: true });
    expect(ownedBy(cluster, name)).toEqual([]);
    expect(liveState(cluster)).toEqual(before);
    expect(await getDeployment({ db, actor: operator, id: failed.deploymentId })).toMatchObject({ status: 'rolled-back', endpoints: {} });
  });

  it('refuses a pattern that does not render (ML7003 with diagnostics), an unavailable target (ML7001) and a mesh the target cannot run (ML7002)', async () => {
    const { db } = get();
    const broken = deployablePattern('broken').replace('service: api', 'service: nope');
    const e3 = await errorOf(planDeployment({ db, actor: operator, text: broken, ...k8s }));
    expect([e3.code, e3.detail?.errorCode]).toEqual(['BAD_REQUEST', 'ML7003']);
    expect(e3.diagnostics?.map((d) => d.code)).toContain('ML3001');
    expect((await errorOf(deployPattern({ db, actor: operator, text: broken, ...k8s }))).detail?.errorCode).toBe('ML7003');
    // A parameter value out of range does not render either.
    const withParam = deployablePattern('param').replace('spec:\n', 'spec:\n  parameters:\n    - {name: w, type: integer, default: 10, min: 0, max: 100}\n');
    expect((await errorOf(planDeployment({ db, actor: operator, text: withParam, params: { w: 500 }, ...k8s }))).detail?.errorCode).toBe('ML7003');

    // The cluster cannot run the haproxy mesh (the sandbox does).
    const e2 = await errorOf(planDeployment({ db, actor: operator, text: deployablePattern('x2'), target: 'kubernetes', mesh: 'haproxy' }));
    expect([e2.code, e2.detail?.errorCode]).toEqual(['BAD_REQUEST', 'ML7002']);

    // A sandbox without HAProxy.
    setTargetForTesting('sandbox', createSandboxTarget({ root: sandboxRoot, haproxy: join(secretDir, 'no-haproxy-here') }));
    const e1 = await errorOf(deployPattern({ db, actor: operator, text: deployablePattern('x1'), target: 'sandbox', mesh: 'haproxy' }));
    expect([e1.code, e1.detail?.errorCode]).toEqual(['PRECONDITION_FAILED', 'ML7001']);
    expect(e1.message).toMatch(/^ML7001: .*HAProxy is not installed/);
    // A cluster whose API server is down (the kubeconfig MESHLOOM_KUBECONFIG names points at it).
    const down = await FakeKubeApiServer.start();
    down.writeKubeconfig({ file: KUBECONFIG });
    const downUrl = down.url;
    await down.close();
    setTargetForTesting('kubernetes', createKubernetesTarget({ kubeconfigPath: KUBECONFIG }));
    const e1k = await errorOf(deployPattern({ db, actor: operator, text: deployablePattern('x3'), ...k8s }));
    expect([e1k.code, e1k.detail?.errorCode]).toEqual(['PRECONDITION_FAILED', 'ML7001']);
    expect(e1k.message).toMatch(/^ML7001: Kubernetes is not available here: ML7020: the Kubernetes API server is unreachable \(ECONNREFUSED\)/);
    const targets = await listTargets();
    expect(targets.find((t) => t.id === 'sandbox')).toMatchObject({ available: false, meshes: ['haproxy'] });
    expect(targets.find((t) => t.id === 'kubernetes')).toMatchObject({ available: false, reason: expect.stringMatching(/^ML7020: /) });
    expect(targets.find((t) => t.id === 'kubernetes')!.meshes).toContain('istio');
    for (const text of [JSON.stringify(targets), e1.message, e1k.message]) {
      expect(text).not.toContain(secretDir);
      expect(text).not.toContain(downUrl);
    }
    expect(await db.deployment.count({ where: { name: { in: ['broken', 'param', 'x1', 'x2', 'x3'] } } })).toBe(0);
  });

  it('deploys unsaved pattern text with parameters, reports status, drift and logs, and undeploys', async () => {
    const { db } = get();
    const name = uniqueName('text');
    const text = deployablePattern(name)
      .replace('spec:\n', 'spec:\n  parameters:\n    - {name: w, type: integer, default: 10, min: 0, max: 100}\n')
      .replace('weight: 90}, {version: v2, weight: 10}', 'weight: "${params.w}"}, {version: v2, weight: "${params.w}"}');
    const started = await deployPattern({ db, actor: operator, text, params: { w: 50 }, ...k8s });
    expect(await started.finished).toMatchObject({ ok: true, patternVersion: null });
    const id = started.deploymentId;
    expect(await getDeployment({ db, actor: operator, id })).toMatchObject({ patternVersion: null, latestVersion: null, params: { w: 50 } });
    expect(cluster.server.getObject('VirtualService', 'api', name)!.spec.http[0].route.map((r: { weight: number }) => r.weight)).toEqual([50, 50]);

    const status = await getDeploymentStatus({ db, actor: operator, id });
    expect(status).toMatchObject({ exists: true, healthy: true, endpoints: { web: `http://web.${name}.svc.cluster.local:80` } });
    expect(status.objects.map((o) => `${o.health} ${o.key}`)).toEqual(objectKeys(name).map((k) => `healthy ${k}`));
    // A Deployment its controller reports stuck.
    cluster.server.setDeploymentStatus('api-v2', name, { observedGeneration: 1, replicas: 1, availableReplicas: 0, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] });
    const stuck = await getDeploymentStatus({ db, actor: operator, id });
    expect(stuck.healthy).toBe(false);
    expect(stuck.objects.find((o) => o.name === 'api-v2')).toMatchObject({ health: 'degraded', message: expect.stringContaining('ProgressDeadlineExceeded') });

    // Drift is measured against what was deployed, with its parameters (w = 50, not the default 10).
    expect((await checkDeploymentDrift({ db, actor: operator, id })).drifted).toBe(false);
    cluster.server.edit('VirtualService', 'api', name, (o) => {
      o.spec.http[0].route[0].weight = 70;
      o.spec.http[0].route[1].weight = 30;
    });
    const drift = await checkDeploymentDrift({ db, actor: operator, id });
    expect(drift.drifted).toBe(true);
    expect(drift.objects.filter((o) => o.state !== 'in-sync').map((o) => `${o.state} ${o.key}`)).toEqual([`changed networking.istio.io/v1/VirtualService/${name}/api`]);
    expect(drift.objects.find((o) => o.kind === 'VirtualService')!.diff).toMatch(/^-\s+weight: 70$/m);
    expect(drift.objects.find((o) => o.kind === 'VirtualService')!.diff).toMatch(/^\+\s+weight: 50$/m);
    // A cluster keeps no logs Meshloom reads: none, and no error.
    expect(await getDeploymentLogs({ db, actor: operator, id })).toEqual([]);

    const undeploy = await undeployDeployment({ db, actor: operator, id });
    const deleted = await undeploy.finished;
    expect(deleted).toMatchObject({ kind: 'delete', ok: true, changed: true });
    expect(deleted.outcomes.every((o) => o.action === 'delete' && o.status === 'deleted')).toBe(true);
    expect(deleted.outcomes.at(-1)).toMatchObject({ kind: 'Namespace', name });
    expect(ownedBy(cluster, name)).toEqual([]);
    expect(cluster.server.getObject('Namespace', name)).toBeUndefined();
    expect(await getDeployment({ db, actor: operator, id })).toMatchObject({ status: 'deleted', endpoints: {} });
    expect((await getDeploymentStatus({ db, actor: operator, id })).exists).toBe(false);
    // Undeploying again changes nothing and stays deleted.
    expect(await (await undeployDeployment({ db, actor: operator, id })).finished).toMatchObject({ ok: true, changed: false });
    expect((await getDeployment({ db, actor: operator, id })).status).toBe('deleted');
  });

  it('hides the deployments of a private pattern from everyone but its owner and admins', async () => {
    const { db } = get();
    const name = uniqueName('private');
    const owner = await createUser(db, 'operator');
    const other = await createUser(db, 'operator');
    const admin = await createUser(db, 'admin');
    await savedPattern(name, 'private', owner);
    // Others cannot even deploy it: it does not exist for them.
    expect((await errorOf(deployPattern({ db, actor: other, pattern: name, ...k8s }))).code).toBe('NOT_FOUND');
    expect(ownedBy(cluster, name)).toEqual([]);
    const started = await deployPattern({ db, actor: owner, pattern: name, ...k8s });
    await started.finished;
    expect((await listDeployments({ db, actor: other, patternName: name })).length).toBe(0);
    expect((await errorOf(getDeployment({ db, actor: other, id: started.deploymentId }))).code).toBe('NOT_FOUND');
    expect((await errorOf(getDeploymentStatus({ db, actor: other, id: started.deploymentId }))).code).toBe('NOT_FOUND');
    expect((await errorOf(undeployDeployment({ db, actor: other, id: started.deploymentId }))).code).toBe('NOT_FOUND');
    expect((await errorOf(watchRun({ db, actor: other, runId: started.runId }))).code).toBe('NOT_FOUND');
    expect((await listDeployments({ db, actor: admin, patternName: name })).map((d) => d.id)).toEqual([started.deploymentId]);
    // Nor can they replace it with pattern text of the same name.
    const text = deployablePattern(name, { weight: 50 });
    cluster.server.clearRequests();
    expect((await errorOf(planDeployment({ db, actor: other, text, ...k8s }))).code).toBe('CONFLICT');
    expect((await errorOf(deployPattern({ db, actor: other, text, ...k8s }))).code).toBe('CONFLICT');
    expect(await db.deploymentRun.count({ where: { deploymentId: started.deploymentId } })).toBe(1);
    // The owner's deployment is untouched on the cluster.
    expect(writes(cluster)).toEqual([]);
    expect(cluster.server.getObject('VirtualService', 'api', name)!.spec.http[0].route.map((r: { weight: number }) => r.weight)).toEqual([90, 10]);
  });

  it('marks a run the server stopped during as interrupted, and the next operation proceeds', async () => {
    const { db } = get();
    const name = uniqueName('crash');
    await savedPattern(name);
    const started = await deployPattern({ db, actor: operator, pattern: name, ...k8s });
    await started.finished;
    // A run row without an end and without a live run in this process: what a restart leaves.
    const orphan = await db.deploymentRun.create({ data: { deploymentId: started.deploymentId, kind: 'apply', actorId: operator.id } });
    expect((await getDeployment({ db, actor: operator, id: started.deploymentId })).lastRun).toMatchObject({ id: orphan.id, state: 'interrupted' });
    expect(await collect(await watchRun({ db, actor: operator, runId: orphan.id }))).toMatchObject([{ type: 'end', run: { state: 'interrupted' } }]);
    expect(await (await deployPattern({ db, actor: operator, pattern: name, ...k8s })).finished).toMatchObject({ ok: true, changed: false });
    expect(await db.deploymentRun.findUniqueOrThrow({ where: { id: orphan.id } })).toMatchObject({ ok: false, errorCode: 'ML7005' });
  });

  it.skipIf(!haproxyBin)('deploys to the real sandbox: healthy, answering, logs without the kubeconfig path, and undeploys completely', async (ctx) => {
    const availability = await sandbox.available();
    if (!availability.ok) {
      console.log(`skipping the sandbox deploy test: ${availability.reason}`);
      ctx.skip();
      return;
    }
    const { db } = get();
    const name = uniqueName('sandbox');
    await createPattern({ db, actor: operator, text: deployablePattern(name, { accessLog: true }), visibility: 'public' });
    const ref = { deployment: name, mesh: 'haproxy' as const };
    try {
      const plan = await planDeployment({ db, actor: operator, pattern: name, target: 'sandbox', mesh: 'haproxy' });
      expect(plan.changed).toBe(true);
      expect(plan.changes.every((c) => c.action === 'create')).toBe(true);
      const started = await deployPattern({ db, actor: operator, pattern: name, target: 'sandbox', mesh: 'haproxy' });
      const run = await started.finished;
      expect(run).toMatchObject({ kind: 'apply', ok: true, changed: true, error: null });
      expect(run.outcomes.map((o) => `${o.status} ${o.key}`)).toEqual(plan.changes.map((c) => `applied ${c.key}`));
      const id = started.deploymentId;
      const deployment = await getDeployment({ db, actor: operator, id });
      expect(deployment.status).toBe('deployed');
      const urls = Object.values(deployment.endpoints);
      expect(urls.length).toBeGreaterThan(0);
      for (const url of urls) expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

      const status = await getDeploymentStatus({ db, actor: operator, id });
      expect(status).toMatchObject({ exists: true, healthy: true });
      expect(status.objects.map((o) => o.kind)).toEqual(expect.arrayContaining(['Workload', 'Proxy']));
      expect(status.objects.filter((o) => o.kind === 'Workload')).toHaveLength(3); // web v1, api v1 and v2
      expect((await checkDeploymentDrift({ db, actor: operator, id })).drifted).toBe(false);

      // A real request through HAProxy, its path naming the kubeconfig: the logs show it, redacted.
      expect(await httpGet(`${urls[0]}${KUBECONFIG}`)).toBeGreaterThan(0);
      let logs: { source: string; lines: string[] }[] = [];
      for (let i = 0; i < 50 && !JSON.stringify(logs).includes('<kubeconfig>'); i++) {
        logs = await getDeploymentLogs({ db, actor: operator, id });
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(logs.map((l) => l.source)).toContain('haproxy');
      expect(JSON.stringify(logs)).toContain('<kubeconfig>');
      expect(JSON.stringify(logs)).not.toContain(secretDir);

      const undeploy = await undeployDeployment({ db, actor: operator, id });
      expect(await undeploy.finished).toMatchObject({ kind: 'delete', ok: true, changed: true });
      expect(await getDeployment({ db, actor: operator, id })).toMatchObject({ status: 'deleted', endpoints: {} });
      expect((await getDeploymentStatus({ db, actor: operator, id })).exists).toBe(false);
      expect(sandbox.deployments()).not.toContain(name);
      // Nothing answers any more.
      await expect(httpGet(urls[0]!)).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      await sandbox.delete(ref);
    }
  });
});

describe('what reaches a browser', () => {
  it('keeps only http(s) endpoints and replaces the kubeconfig path in messages', () => {
    expect(safeEndpoints({ web: 'http://127.0.0.1:18080', api: 'https://api.example', bogus: 'javascript:alert(1)', n: 3 })).toEqual({ web: 'http://127.0.0.1:18080', api: 'https://api.example' });
    expect(redact(`kubeconfig at ${KUBECONFIG}`)).toBe('kubeconfig at <kubeconfig>');
  });
});

describe('run event bus', () => {
  it('replays, follows live events, resumes after a seq and stops on abort', async () => {
    openRun('bus-1');
    publishProgress('bus-1', { phase: 'apply', message: 'one' });
    const controller = new AbortController();
    const seen: string[] = [];
    const following = (async () => {
      for await (const e of followRun('bus-1', { signal: controller.signal })) seen.push(e.type === 'progress' ? e.message : 'end');
    })();
    await new Promise((r) => setTimeout(r, 5));
    publishProgress('bus-1', { phase: 'apply', message: 'two' });
    await new Promise((r) => setTimeout(r, 5));
    expect(seen).toEqual(['one', 'two']);
    controller.abort();
    await following;
    endRun('bus-1', { id: 'bus-1' } as TRunDto);
    // Ended: no more events accepted; a new follower gets the rest and the end at once.
    publishProgress('bus-1', { phase: 'apply', message: 'late' });
    const rest: number[] = [];
    for await (const e of followRun('bus-1', { after: 1 })) rest.push(e.seq);
    expect(rest).toEqual([2, 3]);
  });
});
