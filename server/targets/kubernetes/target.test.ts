/**
 * The Kubernetes target against the API server test double (_testing/fake-api-server.ts): no
 * cluster runs here, so these tests prove the target's side of the HTTP contract — what it
 * asks, in which order, and what it makes of the answers.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TApplyResult, TProgress, TTarget } from '../types';
import { LABEL_DEPLOYMENT, LABEL_MANAGED_BY, LABEL_PATTERN } from './objects';
import { createKubernetesTarget } from './target';
import { FakeKubeApiServer } from './_testing/fake-api-server';
import { catalogPattern, keyOf, meshKinds, rendered, startCluster, type TCluster } from './_testing/harness';

const clusters: TCluster[] = [];
async function cluster(...args: Parameters<typeof startCluster>): Promise<TCluster> {
  const c = await startCluster(...args);
  clusters.push(c);
  return c;
}
/**
 * A cluster with Istio's CRDs and its system namespace (what `istioctl install` leaves). Brownfield's
 * egress gateway namespace is not there: the adapter renders it (`v1/Namespace/egress`).
 */
async function istio(): Promise<TCluster> {
  const c = await cluster({ kinds: meshKinds('istio') });
  c.server.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'istio-system' } });
  return c;
}
afterEach(async () => {
  await Promise.all(clusters.splice(0).map((c) => c.close()));
});

/** Brownfield expansion on Istio: its own namespace (`retail`), its egress gateway's (`egress`) and seven Istio kinds. */
const BROWNFIELD = 'brownfield-expansion';
/** Canary on Istio: in the `default` namespace, which exists before Meshloom comes. */
const CANARY = 'canary-deployment';
/** Deny by default on Istio: mesh-wide policies in `istio-system`, which no pattern renders (Istio's installation owns it). */
const DENY = 'deny-by-default';

const brownfield = () => ({ deployment: 'brownfield-istio', pattern: catalogPattern(BROWNFIELD), mesh: 'istio' as const });
const canary = (params?: Record<string, unknown>) => ({ deployment: 'canary-istio', pattern: catalogPattern(CANARY, params), mesh: 'istio' as const });
const deny = () => ({ deployment: 'deny-istio', pattern: catalogPattern(DENY), mesh: 'istio' as const });

const realApplies = (c: TCluster) => c.server.requests.filter((r) => r.verb === 'PATCH' && !r.dryRun);
const summaryOf = (r: TApplyResult) => r.objects.map((o) => `${o.action}:${o.status}`);
const idOf = (r: { kind?: string; namespace?: string; name?: string }) => `${r.kind}/${r.namespace ?? ''}/${r.name}`;

describe('apply', () => {
  it('creates every object of an Istio-rendered catalog pattern in the rendered order, labelled and owned by the field manager', async () => {
    const c = await istio();
    const input = brownfield();
    const manifests = rendered('istio', input.pattern);
    expect(new Set(manifests.map((m) => m.kind)).size).toBeGreaterThanOrEqual(10);
    // The egress gateway's namespace comes with the pattern, and is created like the rest.
    expect(manifests.map(keyOf).slice(0, 2)).toEqual(['v1/Namespace/retail', 'v1/Namespace/egress']);

    const progress: TProgress[] = [];
    const r = await c.target.apply(input, { onProgress: (p) => progress.push(p) });
    expect(r.error).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.changed).toBe(true);
    expect(r.objects.map((o) => o.key)).toEqual(manifests.map(keyOf));
    expect(r.objects.every((o) => o.action === 'create' && o.status === 'applied' && o.previous === undefined)).toBe(true);

    // The API server saw one server-side apply per object, in the rendered order.
    const applies = realApplies(c);
    expect(applies.map(idOf)).toEqual(manifests.map((m) => idOf({ kind: m.kind, namespace: m.metadata.namespace, name: m.metadata.name })));
    for (const a of applies) {
      expect(a.contentType).toBe('application/apply-patch+yaml');
      expect(a.fieldManager).toBe('meshloom');
      expect(a.force).toBe(true);
    }
    for (const m of manifests) {
      const live = c.server.getObject(m.kind, m.metadata.name, m.metadata.namespace);
      expect(live, keyOf(m)).toBeDefined();
      expect(live!.metadata.labels).toMatchObject({ [LABEL_MANAGED_BY]: 'meshloom', [LABEL_PATTERN]: BROWNFIELD, [LABEL_DEPLOYMENT]: 'brownfield-istio' });
      const managers = (live!.metadata.managedFields as { manager: string; operation: string; fieldsV1: Record<string, unknown> }[]).filter((f) => f.manager === 'meshloom');
      expect(managers).toHaveLength(1);
      expect(managers[0]!.operation).toBe('Apply');
      expect(managers[0]!.fieldsV1).toHaveProperty(['f:metadata', 'f:labels', `f:${LABEL_DEPLOYMENT}`]);
    }
    // Progress: one event per object, counting up.
    const applyEvents = progress.filter((p) => p.phase === 'apply');
    expect(applyEvents.map((p) => p.done)).toEqual(manifests.map((_, i) => i + 1));
    expect(applyEvents.every((p) => p.total === manifests.length && p.object)).toBe(true);
    expect(r.endpoints).toBeDefined();
  });

  it('is idempotent: a second apply reports every object unchanged and applies nothing', async () => {
    const c = await istio();
    expect((await c.target.apply(brownfield())).ok).toBe(true);
    c.server.clearRequests();
    const again = await c.target.apply(brownfield());
    expect(again.ok).toBe(true);
    expect(again.changed).toBe(false);
    expect(again.objects.every((o) => o.action === 'unchanged' && o.status === 'unchanged')).toBe(true);
    expect(realApplies(c)).toEqual([]);
  });

  it('never applies to a namespace it did not create (no labels added), and says what the mesh expects on it', async () => {
    const c = await istio();
    const r = await c.target.apply(canary());
    expect(r.ok).toBe(true);
    const ns = r.objects.find((o) => o.kind === 'Namespace')!;
    expect(ns).toMatchObject({ name: 'default', action: 'unchanged', status: 'unchanged' });
    expect(ns.message).toContain('istio-injection=enabled');
    expect(c.server.getObject('Namespace', 'default')!.metadata.labels).not.toHaveProperty(LABEL_DEPLOYMENT);
    expect(realApplies(c).some((a) => a.kind === 'Namespace')).toBe(false);
  });

  it('stops at a rejected object: ML7022 with the API message, the exact applied list, the rest skipped; rollback deletes what it created', async () => {
    const c = await istio();
    const input = brownfield();
    const keys = rendered('istio', input.pattern).map(keyOf);
    const before = c.server.objects().length;
    c.server.rejectApply(5, 'admission webhook "validation.istio.io" denied the request: configuration is invalid');

    const r = await c.target.apply(input);
    expect(r.ok).toBe(false);
    expect(r.error?.code).toBe('ML7022');
    expect(r.error?.message).toContain('denied the request: configuration is invalid');
    expect(r.objects.map((o) => o.key)).toEqual(keys);
    expect(summaryOf(r)).toEqual([...Array(4).fill('create:applied'), 'create:failed', ...Array(keys.length - 5).fill('create:skipped')]);
    expect(r.objects[4]!.message).toContain('denied the request');
    // Exactly the four applied objects exist (plus what Kubernetes adds to a new namespace).
    for (const o of r.objects.slice(0, 4)) expect(c.server.getObject(o.kind, o.name, o.namespace), o.key).toBeDefined();
    for (const o of r.objects.slice(4)) expect(c.server.getObject(o.kind, o.name, o.namespace), o.key).toBeUndefined();

    const rb = await c.target.rollback({ deployment: input.deployment, mesh: 'istio' }, r.objects);
    expect(rb.ok).toBe(true);
    // Reverse order: the two namespaces go last.
    expect(rb.objects.map((o) => `${o.action}:${o.key}`)).toEqual(r.objects.slice(0, 4).reverse().map((o) => `delete:${o.key}`));
    for (const o of r.objects.slice(0, 4)) expect(c.server.getObject(o.kind, o.name, o.namespace), o.key).toBeUndefined();
    expect(c.server.objects().length).toBe(before);
  });

  it('rollback restores `previous` of the objects an interrupted update changed', async () => {
    const c = await istio();
    expect((await c.target.apply(canary())).ok).toBe(true);
    const serviceBefore = c.server.getObject('Service', 'reviews', 'default')!;
    // The change: a label on the reviews Service and new weights (the VirtualService).
    const next = canary({ canaryWeight: 50, stableWeight: 50 });
    next.pattern.spec.services.find((s) => s.name === 'reviews')!.labels = { tier: 'backend' };
    c.server.rejectApply(2, 'the VirtualService was refused');

    const r = await c.target.apply(next);
    expect(r.ok).toBe(false);
    expect(r.error?.code).toBe('ML7022');
    const changed = r.objects.filter((o) => o.status !== 'unchanged');
    expect(changed.map((o) => `${o.kind}:${o.action}:${o.status}`)).toEqual([
      'Service:update:applied',
      'VirtualService:update:failed',
      'DestinationRule:create:skipped',
      'Telemetry:create:skipped',
    ]);
    expect(c.server.getObject('Service', 'reviews', 'default')!.metadata.labels).toHaveProperty('tier', 'backend');
    const previous = changed[0]!.previous as { metadata: Record<string, unknown> };
    expect(previous.metadata).not.toHaveProperty('managedFields');
    expect(previous.metadata).not.toHaveProperty('resourceVersion');

    const rb = await c.target.rollback({ deployment: next.deployment, mesh: 'istio' }, r.objects);
    expect(rb.ok).toBe(true);
    expect(rb.objects.map((o) => `${o.kind}:${o.action}:${o.status}`)).toEqual(['Service:update:applied']);
    const restored = c.server.getObject('Service', 'reviews', 'default')!;
    expect(restored.metadata.labels).not.toHaveProperty('tier');
    expect(restored.spec).toEqual(serviceBefore.spec);
    // Nothing left to do: the original pattern is in place again.
    expect((await c.target.apply(canary())).changed).toBe(false);
  });

  it('reports ML7021 for every missing CRD with the install that provides it, and applies nothing', async () => {
    // Only VirtualService of Istio's kinds is installed.
    const c = await cluster({ kinds: meshKinds('istio').filter((k) => k.kind === 'VirtualService') });
    const before = c.server.objects();
    const r = await c.target.apply(brownfield());
    expect(r.ok).toBe(false);
    expect(r.changed).toBe(false);
    expect(r.error?.code).toBe('ML7021');
    for (const crd of ['destinationrules.networking.istio.io', 'gateways.networking.istio.io', 'serviceentries.networking.istio.io', 'peerauthentications.security.istio.io', 'authorizationpolicies.security.istio.io', 'telemetries.telemetry.istio.io']) {
      expect(r.error?.message).toContain(`${crd} (`);
    }
    expect(r.error?.message).not.toContain('virtualservices.networking.istio.io');
    expect(r.error?.message).toContain('from Istio');
    expect(r.error?.hint).toBe('install Istio (istioctl install / the istio-base chart)');
    expect(r.objects.every((o) => o.status === 'skipped')).toBe(true);
    expect(r.objects.find((o) => o.kind === 'Gateway')!.message).toBe('gateways.networking.istio.io is not installed');
    expect(c.server.requests.some((q) => q.verb === 'PATCH')).toBe(false);
    expect(c.server.objects()).toEqual(before);
  });

  it('applies nothing when a namespace the objects go into neither exists nor is rendered (ML7022 naming it)', async () => {
    // Istio's CRDs are installed but its control plane is not (no istio-system): the mesh-wide
    // policies of deny-by-default go there, and a pattern never renders a mesh's system namespace.
    const c = await cluster({ kinds: meshKinds('istio') });
    const input = deny();
    const keys = rendered('istio', input.pattern).map(keyOf);
    expect(keys).not.toContain('v1/Namespace/istio-system');
    expect(keys).toEqual(expect.arrayContaining(['v1/Namespace/care', 'v1/Namespace/ingress']));
    const before = c.server.objects();
    const r = await c.target.apply(input);
    expect(r.ok).toBe(false);
    expect(r.changed).toBe(false);
    expect(r.error?.code).toBe('ML7022');
    expect(r.error?.message).toBe(
      '1 namespace the pattern uses does not exist and is not part of it: istio-system (for PeerAuthentication istio-system/default, AuthorizationPolicy istio-system/allow-nothing, Telemetry istio-system/mesh-default). Nothing was applied.',
    );
    expect(r.error?.hint).toContain("the mesh's control plane in its system namespace");
    expect(r.objects.map((o) => o.key)).toEqual(keys);
    expect(r.objects.every((o) => o.status === 'skipped')).toBe(true);
    const inSystem = r.objects.filter((o) => o.namespace === 'istio-system');
    expect(inSystem.map((o) => o.kind)).toEqual(['PeerAuthentication', 'AuthorizationPolicy', 'Telemetry']);
    expect(inSystem.every((o) => o.message === 'namespace istio-system does not exist')).toBe(true);
    // The namespaces the pattern renders are not the problem.
    expect(r.objects.find((o) => o.key === 'v1/Namespace/care')!.message).toBe('not applied: other objects need a namespace that does not exist');
    expect(c.server.requests.some((q) => q.verb === 'PATCH')).toBe(false);
    expect(c.server.objects()).toEqual(before);
    // The plan says so too.
    expect((await c.target.plan(input)).diagnostics.filter((d) => d.code.startsWith('ML7')).map((d) => d.code)).toEqual(['ML7022']);

    // Once Istio is installed (istio-system exists), the same apply goes through and leaves istio-system as it is.
    c.server.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'istio-system' } });
    const ok = await c.target.apply(input);
    expect(ok.error).toBeUndefined();
    expect(ok.objects.every((o) => o.action === 'create' && o.status === 'applied')).toBe(true);
    expect(c.server.getObject('AuthorizationPolicy', 'allow-nothing', 'istio-system')!.metadata.labels).toHaveProperty(LABEL_DEPLOYMENT, 'deny-istio');
    expect(c.server.getObject('Namespace', 'istio-system')!.metadata.labels).not.toHaveProperty(LABEL_DEPLOYMENT);
  });

  it('names the version the cluster lacks when it serves another one, and the mesh being deployed as the provider', async () => {
    // OSM's CRDs serve TrafficSplit v1alpha2; the SMI adapter renders v1alpha4.
    const c = await cluster({ kinds: meshKinds('osm') });
    const r = await c.target.apply({ deployment: 'split-smi', pattern: catalogPattern('smi-traffic-split'), mesh: 'smi' });
    expect(r.error?.code).toBe('ML7021');
    expect(r.error?.message).toContain('trafficsplits.split.smi-spec.io (TrafficSplit split.smi-spec.io/v1alpha4, from SMI; the cluster serves only v1alpha2)');
    expect(r.error?.hint).toContain('SMI CRDs');
  });

  it('maps a 403 to ML7023 and an unreachable server to ML7020', async () => {
    const c = await istio();
    c.server.forbidKind('DestinationRule', ['PATCH']);
    const r = await c.target.apply(canary());
    expect(r.error?.code).toBe('ML7023');
    expect(r.error?.message).toContain('cannot patch resource "destinationrules"');
    expect(r.objects.find((o) => o.kind === 'DestinationRule')!.status).toBe('failed');

    const dir = mkdtempSync(path.join(tmpdir(), 'meshloom-kube-test-'));
    const kubeconfig = c.server.writeKubeconfig({ file: path.join(dir, 'config') });
    await c.server.close();
    clusters.splice(clusters.indexOf(c), 1);
    const down = await createKubernetesTarget({ kubeconfigPath: kubeconfig }).apply(canary());
    rmSync(dir, { recursive: true, force: true });
    expect(down.error?.code).toBe('ML7020');
    expect(down.error?.message).toMatch(/unreachable \(ECONNREFUSED\)/);
  });

  it('dry run persists nothing and reports what it would do', async () => {
    const c = await istio();
    const before = c.server.objects();
    const r = await c.target.apply(brownfield(), { dryRun: true });
    expect(r.ok).toBe(true);
    expect(r.changed).toBe(true);
    expect(r.objects.every((o) => o.action === 'create' && o.status === 'applied')).toBe(true);
    expect(c.server.requests.filter((q) => q.verb === 'PATCH' || q.verb === 'DELETE').every((q) => q.dryRun)).toBe(true);
    expect(c.server.objects()).toEqual(before);

    // On a live deployment: an update, still nothing persisted.
    expect((await c.target.apply(canary())).ok).toBe(true);
    const live = c.server.objects();
    const dry = await c.target.apply(canary({ canaryWeight: 30, stableWeight: 70 }), { dryRun: true });
    expect(dry.objects.filter((o) => o.action === 'update').map((o) => o.kind)).toEqual(['VirtualService']);
    expect(c.server.objects()).toEqual(live);
  });

  it('refuses meshes it cannot run (ML7002), a second operation on the same deployment (ML7004), and stops when cancelled (ML7005)', async () => {
    const c = await istio();
    const haproxy = await c.target.apply({ ...canary(), mesh: 'haproxy' });
    expect(haproxy.error?.code).toBe('ML7002');

    const [first, second] = await Promise.all([c.target.apply(canary()), c.target.apply(canary())]);
    expect(first.ok).toBe(true);
    expect(second.error?.code).toBe('ML7004');

    const controller = new AbortController();
    const input = brownfield();
    const r = await c.target.apply(input, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase === 'apply' && p.done === 3) controller.abort();
      },
    });
    expect(r.error?.code).toBe('ML7005');
    expect(r.objects.filter((o) => o.status === 'applied')).toHaveLength(3);
    expect(r.objects.slice(3).every((o) => o.status === 'skipped')).toBe(true);
    expect(r.objects).toHaveLength(rendered('istio', input.pattern).length);
  });
});

describe('plan', () => {
  it('shows create, then unchanged after apply, then an update with a YAML diff after a pattern change, and a delete for what is no longer rendered', async () => {
    const c = await istio();
    const before = c.server.objects();
    const fresh = await c.target.plan(canary());
    expect(fresh.diagnostics).toEqual([]);
    expect(fresh.summary).toEqual({ create: 11, update: 0, delete: 0, unchanged: 1 }); // the default namespace is not ours
    expect(fresh.changes.find((x) => x.kind === 'VirtualService')!.diff).toMatch(/^\+\s+weight: 90$/m);
    expect(c.server.objects()).toEqual(before);

    expect((await c.target.apply(canary())).ok).toBe(true);
    const same = await c.target.plan(canary());
    expect(same.summary).toEqual({ create: 0, update: 0, delete: 0, unchanged: 12 });
    expect(same.changes.every((x) => x.diff === '')).toBe(true);

    const changed = canary({ canaryWeight: 25, stableWeight: 75 });
    changed.pattern.spec.policies = []; // no Metrics policy: no Telemetry
    const live = c.server.objects();
    const plan = await c.target.plan(changed);
    expect(plan.summary).toEqual({ create: 0, update: 1, delete: 1, unchanged: 10 });
    const vs = plan.changes.find((x) => x.kind === 'VirtualService')!;
    expect(vs.action).toBe('update');
    expect(vs.diff).toMatch(/^--- live\/networking.istio.io\/v1\/VirtualService\/default\/reviews$/m);
    expect(vs.diff).toMatch(/^-\s+weight: 90$/m);
    expect(vs.diff).toMatch(/^\+\s+weight: 75$/m);
    expect(vs.diff).not.toMatch(/managedFields|resourceVersion|creationTimestamp|uid:/);
    const telemetry = plan.changes.find((x) => x.kind === 'Telemetry')!;
    expect(telemetry).toMatchObject({ action: 'delete', key: 'telemetry.istio.io/v1/Telemetry/default/reviews' });
    expect(c.server.objects()).toEqual(live);

    // Applying the plan: the update and the prune.
    const applied = await c.target.apply(changed);
    expect(applied.objects.filter((o) => o.status !== 'unchanged').map((o) => `${o.kind}:${o.action}:${o.status}`)).toEqual(['VirtualService:update:applied', 'Telemetry:delete:deleted']);
    expect(c.server.getObject('Telemetry', 'reviews', 'default')).toBeUndefined();
  });

  it('carries a missing CRD as an ML7021 diagnostic and still lists every object', async () => {
    const c = await cluster();
    const plan = await c.target.plan(canary());
    expect(plan.diagnostics.map((d) => d.code)).toEqual(['ML7021']);
    expect(plan.diagnostics[0]!.message).toContain('virtualservices.networking.istio.io');
    expect(plan.changes).toHaveLength(12);
  });
});

describe('delete', () => {
  it('removes only objects carrying this deployment’s labels, mesh resources first and the namespace it created last', async () => {
    const c = await istio();
    expect((await c.target.apply(brownfield())).ok).toBe(true);
    expect((await c.target.apply(canary())).ok).toBe(true);
    // Someone else's VirtualService and a ConfigMap of another deployment in the same namespace as canary.
    c.server.seed({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'theirs', namespace: 'default' }, spec: { hosts: ['theirs'] } });
    c.server.seed({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'other', namespace: 'default', labels: { [LABEL_MANAGED_BY]: 'meshloom', [LABEL_DEPLOYMENT]: 'someone-else' } } });
    c.server.clearRequests();

    const r = await c.target.delete({ deployment: 'canary-istio', mesh: 'istio' });
    expect(r.ok).toBe(true);
    expect(r.changed).toBe(true);
    expect(r.objects.every((o) => o.action === 'delete' && o.status === 'deleted')).toBe(true);
    expect(r.objects).toHaveLength(11); // everything but the default namespace
    const deletes = c.server.requests.filter((q) => q.verb === 'DELETE');
    const rank = (k?: string) => (k === 'Namespace' ? 0 : k === 'ServiceAccount' || k === 'ConfigMap' ? 1 : k === 'Service' || k === 'Deployment' ? 2 : 3);
    expect(deletes.map((d) => rank(d.kind))).toEqual([...deletes.map((d) => rank(d.kind))].sort((a, b) => b - a));
    expect(c.server.getObject('VirtualService', 'theirs', 'default')).toBeDefined();
    expect(c.server.getObject('ConfigMap', 'other', 'default')).toBeDefined();
    expect(c.server.getObject('Namespace', 'default')).toBeDefined();
    expect(c.server.getObject('VirtualService', 'reviews', 'default')).toBeUndefined();
    // The other deployment is untouched.
    expect(c.server.getObject('Namespace', 'retail')).toBeDefined();
    expect(c.server.objects().filter((o) => o.metadata.labels?.[LABEL_DEPLOYMENT] === 'brownfield-istio')).toHaveLength(rendered('istio', catalogPattern(BROWNFIELD)).length);

    const again = await c.target.delete({ deployment: 'canary-istio', mesh: 'istio' });
    expect(again).toMatchObject({ ok: true, changed: false, objects: [] });

    // brownfield created `retail` and `egress`: deleted last.
    const b = await c.target.delete({ deployment: 'brownfield-istio', mesh: 'istio' });
    expect(b.ok).toBe(true);
    expect(b.objects.slice(-2).map((o) => `${o.kind}/${o.name}:${o.status}`).sort()).toEqual(['Namespace/egress:deleted', 'Namespace/retail:deleted']);
    expect(b.objects.slice(0, -2).some((o) => o.kind === 'Namespace')).toBe(false);
    expect(c.server.getObject('Namespace', 'retail')).toBeUndefined();
    expect(c.server.getObject('Namespace', 'egress')).toBeUndefined();
  });

  it('keeps a namespace it created while something else lives in it, and never deletes one that existed before', async () => {
    const c = await istio();
    // `retail` exists before, without our labels.
    c.server.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'retail', labels: { team: 'retail' } } });
    expect((await c.target.apply(brownfield())).ok).toBe(true);
    const r = await c.target.delete({ deployment: 'brownfield-istio', mesh: 'istio' });
    expect(r.ok).toBe(true);
    // Only the namespace this deployment created (its egress gateway's) goes.
    expect(r.objects.filter((o) => o.kind === 'Namespace').map((o) => `${o.name}:${o.status}`)).toEqual(['egress:deleted']);
    expect(c.server.getObject('Namespace', 'egress')).toBeUndefined();
    expect(c.server.getObject('Namespace', 'retail')!.metadata.labels).toEqual({ team: 'retail', 'kubernetes.io/metadata.name': 'retail' });

    // Created by us, but another client put an object in it since.
    c.server.remove('Namespace', 'retail');
    expect((await c.target.apply(brownfield())).ok).toBe(true);
    c.server.seed({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'handmade', namespace: 'retail' }, data: { a: 'b' } });
    const kept = await c.target.delete({ deployment: 'brownfield-istio', mesh: 'istio' });
    expect(kept.ok).toBe(true);
    const namespaces = kept.objects.slice(-2);
    expect(namespaces.every((o) => o.kind === 'Namespace')).toBe(true);
    expect(namespaces.find((o) => o.name === 'retail')).toMatchObject({ action: 'unchanged', status: 'unchanged' });
    expect(namespaces.find((o) => o.name === 'retail')!.message).toContain('ConfigMap retail/handmade that Meshloom did not create');
    expect(namespaces.find((o) => o.name === 'egress')).toMatchObject({ action: 'delete', status: 'deleted' });
    expect(c.server.getObject('Namespace', 'retail')).toBeDefined();
    expect(c.server.getObject('Namespace', 'egress')).toBeUndefined();
  });
});

describe('status', () => {
  it('reports Deployments by readiness, other objects present as healthy, and absent ones as missing', async () => {
    const c = await istio();
    const ref = { deployment: 'canary-istio', mesh: 'istio' as const };
    expect(await c.target.status(ref)).toMatchObject({ exists: false, healthy: false, objects: [] });
    expect((await c.target.apply(canary())).ok).toBe(true);

    const ok = await c.target.status(ref);
    expect(ok.exists).toBe(true);
    expect(ok.healthy).toBe(true);
    expect(ok.objects).toHaveLength(11);
    expect(ok.objects.find((o) => o.name === 'reviews-v2')).toMatchObject({ kind: 'Deployment', health: 'healthy', message: '1/1 replicas available' });
    expect(ok.objects.map((o) => o.key)).toEqual(rendered('istio', catalogPattern(CANARY)).map(keyOf).filter((k) => k !== 'v1/Namespace/default'));

    c.server.setDeploymentStatus('reviews-v2', 'default', { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 0 });
    c.server.setDeploymentStatus('reviews-v1', 'default', {
      observedGeneration: 1,
      replicas: 1,
      availableReplicas: 0,
      conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "reviews-v1-abc" has timed out progressing.' }],
    });
    c.server.remove('DestinationRule', 'reviews', 'default');
    const bad = await c.target.status(ref);
    expect(bad.healthy).toBe(false);
    expect(bad.objects.find((o) => o.name === 'reviews-v2')).toMatchObject({ health: 'progressing', message: '0/1 replicas available' });
    expect(bad.objects.find((o) => o.name === 'reviews-v1')!.health).toBe('degraded');
    expect(bad.objects.find((o) => o.name === 'reviews-v1')!.message).toContain('ProgressDeadlineExceeded');
    expect(bad.objects.find((o) => o.kind === 'DestinationRule')).toMatchObject({ health: 'missing' });
    expect(bad.objects.find((o) => o.kind === 'VirtualService')).toMatchObject({ health: 'healthy' });

    // Another target instance (a restarted server) still finds the objects by label.
    const fresh = createKubernetesTarget({ kubeconfigPath: c.kubeconfig });
    expect((await fresh.status(ref)).objects).toHaveLength(10);
  });
});

describe('drift', () => {
  it('is in sync after apply; a live change to a field we set is changed with a diff, a removed object missing, a labelled leftover extra', async () => {
    const c = await istio();
    const input = canary();
    expect((await c.target.apply(input)).ok).toBe(true);
    const clean = await c.target.drift(input);
    expect(clean.drifted).toBe(false);
    expect(clean.objects.every((o) => o.state === 'in-sync' && o.diff === '')).toBe(true);

    // kubectl edit: new weights (a field we set) on the VirtualService; a new annotation (a field we do not set) on the DestinationRule.
    c.server.edit('VirtualService', 'reviews', 'default', (o) => {
      o.spec.http[1].route[0].weight = 50;
      o.spec.http[1].route[1].weight = 50;
    });
    c.server.edit('DestinationRule', 'reviews', 'default', (o) => {
      o.metadata.annotations = { 'example.com/owner': 'team-a' };
    });
    c.server.remove('Telemetry', 'reviews', 'default');
    c.server.seed({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'leftover', namespace: 'default', labels: { [LABEL_MANAGED_BY]: 'meshloom', [LABEL_DEPLOYMENT]: 'canary-istio' } } });
    const live = c.server.objects();

    const drift = await c.target.drift(input);
    expect(drift.drifted).toBe(true);
    const by = (kind: string) => drift.objects.find((o) => o.kind === kind && o.name !== 'meshloom-sample-app')!;
    expect(by('VirtualService').state).toBe('changed');
    expect(by('VirtualService').diff).toMatch(/^-\s+weight: 50$/m);
    expect(by('VirtualService').diff).toMatch(/^\+\s+weight: 90$/m);
    expect(by('DestinationRule').state).toBe('in-sync');
    expect(by('Telemetry').state).toBe('missing');
    expect(by('ConfigMap')).toMatchObject({ name: 'leftover', state: 'extra' });
    expect(drift.objects.filter((o) => o.state !== 'in-sync')).toHaveLength(3);
    // Drift changes nothing.
    expect(c.server.objects()).toEqual(live);

    // Apply brings it back.
    await c.target.apply(input);
    expect(c.server.getObject('VirtualService', 'reviews', 'default')!.spec.http[1].route[0].weight).toBe(90);
    expect((await c.target.drift(input)).drifted).toBe(false);
  });
});

describe('secrets', () => {
  it('never returns the token, the CA data or the kubeconfig path, even when the API server echoes the token', async () => {
    const c = await istio();
    const kubeconfigText = readFileSync(c.kubeconfig, 'utf8');
    const caData = /certificate-authority-data: (\S+)/.exec(kubeconfigText)?.[1];
    c.server.fail({ verb: 'PATCH', dryRun: false, nth: 2, status: 422, reason: 'Invalid', message: `object rejected for request with Authorization: Bearer ${c.server.token}` });
    const outputs: unknown[] = [];
    const target = c.target;
    outputs.push(await target.available());
    outputs.push(await target.plan(canary()));
    const failed = await target.apply(canary());
    outputs.push(failed);
    expect(failed.error?.code).toBe('ML7022');
    expect(failed.error?.message).toContain('Authorization: [redacted]');
    outputs.push(await target.rollback({ deployment: 'canary-istio', mesh: 'istio' }, failed.objects));
    outputs.push(await target.apply(canary()));
    outputs.push(await target.status({ deployment: 'canary-istio', mesh: 'istio' }));
    outputs.push(await target.drift(canary()));
    outputs.push(await target.delete({ deployment: 'canary-istio', mesh: 'istio' }));
    // A rejected token (401) and a broken kubeconfig.
    const wrong = c.server.writeKubeconfig({ token: 'not-the-right-token-0123456789' });
    const rejected = createKubernetesTarget({ kubeconfigPath: wrong });
    const unauthorized = await rejected.apply(canary());
    expect(unauthorized.error?.code).toBe('ML7024');
    outputs.push(unauthorized, await rejected.available());
    const broken = path.join(path.dirname(c.kubeconfig), 'broken.yaml');
    writeFileSync(broken, `${kubeconfigText}\n  bad: [indentation\n`);
    outputs.push(await createKubernetesTarget({ kubeconfigPath: broken }).available());

    const text = JSON.stringify(outputs);
    expect(text).not.toContain(c.server.token);
    expect(text).not.toContain('not-the-right-token-0123456789');
    expect(caData && caData.length > 100).toBe(true);
    expect(text).not.toContain(caData!.slice(0, 60));
    expect(text).not.toContain(c.kubeconfig);
    expect(text).not.toContain(c.server.url);
  });
});

describe('available', () => {
  it('explains why it cannot be used: no kubeconfig (ML7001), an unreadable or invalid one or an unknown context (ML7024), an unreachable server (ML7020)', async () => {
    const c = await cluster();
    const dir = path.dirname(c.kubeconfig);
    const reason = async (t: TTarget) => {
      const a = await t.available();
      return a.ok ? 'ok' : a.reason;
    };
    expect(await reason(createKubernetesTarget({}))).toMatch(/^ML7001: .*no kubeconfig is configured.*MESHLOOM_KUBECONFIG/);
    expect(await reason(createKubernetesTarget({ kubeconfigPath: path.join(dir, 'nope.yaml') }))).toMatch(/^ML7024: .*cannot be read \(ENOENT\)/);
    const garbage = path.join(dir, 'garbage.yaml');
    writeFileSync(garbage, 'clusters: {{{');
    expect(await reason(createKubernetesTarget({ kubeconfigPath: garbage }))).toMatch(/^ML7024: .*not a valid kubeconfig/);
    expect(await reason(createKubernetesTarget({ kubeconfigPath: c.kubeconfig, context: 'missing' }))).toMatch(/^ML7024: the context MESHLOOM_KUBE_CONTEXT names does not exist/);
    const noCurrent = c.server.writeKubeconfig({ currentContext: null });
    expect(await reason(createKubernetesTarget({ kubeconfigPath: noCurrent }))).toMatch(/^ML7024: .*no \(valid\) current-context/);
    const two = c.server.writeKubeconfig({ contexts: ['other'] });
    expect(await reason(createKubernetesTarget({ kubeconfigPath: two, context: 'other' }))).toBe('ok');
    expect(await reason(c.target)).toBe('ok');
    // An unknown context fails every operation the same way, with nothing applied.
    const r = await createKubernetesTarget({ kubeconfigPath: c.kubeconfig, context: 'missing' }).apply(canary());
    expect(r).toMatchObject({ ok: false, changed: false, objects: [], error: { code: 'ML7024' } });

    const stopped = await FakeKubeApiServer.start();
    const gone = stopped.writeKubeconfig({ file: path.join(dir, 'gone.yaml') });
    await stopped.close();
    expect(await reason(createKubernetesTarget({ kubeconfigPath: gone }))).toMatch(/^ML7020: the Kubernetes API server is unreachable/);
  });
});
