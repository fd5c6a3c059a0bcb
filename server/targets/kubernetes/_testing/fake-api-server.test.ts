/**
 * The API server test double keeps the parts of the Kubernetes HTTP contract the target relies
 * on: authentication, discovery documents, list shapes, server-side apply semantics (merge,
 * removal of dropped fields, ownership, conflicts, dry run), namespaces and injected failures.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient, type TKubeRequest } from '../client';
import { FakeKubeApiServer } from './fake-api-server';
import { meshKinds } from './harness';

let server: FakeKubeApiServer;
let client: KubeClient;
beforeAll(async () => {
  server = await FakeKubeApiServer.start({ kinds: meshKinds('istio') });
  client = await KubeClient.connect({ kubeconfigPath: server.writeKubeconfig() });
});
afterAll(() => server.close());

const call = (req: Omit<TKubeRequest, 'method'> & { method?: TKubeRequest['method'] }) => client.request({ method: 'GET', ...req });
const apply = (path: string, body: object, query: Record<string, string> = {}) =>
  call({ method: 'PATCH', path, body, contentType: 'application/apply-patch+yaml', query: { fieldManager: 'test', ...query } });
const cm = (name: string, extra: object = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', ...extra } });
const CM = (name: string) => `/api/v1/namespaces/default/configmaps/${name}`;

describe('the Kubernetes API server double', () => {
  it('serves over HTTPS with bearer-token authentication', async () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const wrong = await KubeClient.connect({ kubeconfigPath: server.writeKubeconfig({ token: 'wrong-token-0123456789' }) });
    expect((await wrong.request({ method: 'GET', path: '/api' })).status).toBe(401);
    expect((await call({ path: '/api' })).body).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
  });

  it('serves discovery documents for built-in and installed kinds', async () => {
    const groups = (await call({ path: '/apis' })).body;
    expect(groups.kind).toBe('APIGroupList');
    expect(groups.groups.find((g: { name: string }) => g.name === 'networking.istio.io')).toMatchObject({ preferredVersion: { version: 'v1' } });
    const istio = (await call({ path: '/apis/networking.istio.io/v1' })).body;
    expect(istio).toMatchObject({ kind: 'APIResourceList', groupVersion: 'networking.istio.io/v1' });
    expect(istio.resources).toContainEqual(expect.objectContaining({ name: 'virtualservices', kind: 'VirtualService', namespaced: true }));
    const core = (await call({ path: '/api/v1' })).body;
    expect(core.resources).toContainEqual(expect.objectContaining({ name: 'namespaces', namespaced: false }));
    expect((await call({ path: '/apis/kuma.io/v1alpha1' })).status).toBe(404);
    expect((await call({ path: '/apis/networking.istio.io/v1/namespaces/default/nothings' })).status).toBe(404);
  });

  it('merges applied fields, removes the ones a manager stops applying, and keeps what other managers own', async () => {
    const created = await apply(CM('ssa'), { ...cm('ssa', { labels: { a: '1', b: '2' } }), data: { x: '1' } });
    expect(created.status).toBe(201);
    const meta = created.body.metadata;
    expect(meta).toMatchObject({ uid: expect.any(String), resourceVersion: expect.any(String), creationTimestamp: expect.any(String) });
    expect(meta.managedFields).toEqual([expect.objectContaining({ manager: 'test', operation: 'Apply', fieldsV1: { 'f:metadata': { 'f:labels': { 'f:a': {}, 'f:b': {} } }, 'f:data': { 'f:x': {} } } })]);

    const same = await apply(CM('ssa'), { ...cm('ssa', { labels: { a: '1', b: '2' } }), data: { x: '1' } });
    expect(same.status).toBe(200);
    expect(same.body.metadata.resourceVersion).toBe(meta.resourceVersion);

    server.edit('ConfigMap', 'ssa', 'default', (o) => (o.data.y = '2'));
    const dropped = await apply(CM('ssa'), { ...cm('ssa', { labels: { a: '1' } }), data: { x: '1' } });
    expect(dropped.body.metadata.labels).toEqual({ a: '1' });
    expect(dropped.body.data).toEqual({ x: '1', y: '2' });
    expect(dropped.body.metadata.managedFields.map((f: { manager: string }) => f.manager).sort()).toEqual(['kubectl-edit', 'test']);

    // A field another manager changed: a conflict unless forced.
    server.edit('ConfigMap', 'ssa', 'default', (o) => (o.data.x = '5'));
    const conflict = await apply(CM('ssa'), { ...cm('ssa'), data: { x: '1' } });
    expect(conflict.status).toBe(409);
    expect(conflict.body.message).toContain('conflict with "kubectl-edit"');
    const forced = await apply(CM('ssa'), { ...cm('ssa'), data: { x: '1' } }, { force: 'true' });
    expect(forced.status).toBe(200);
    expect(forced.body.data.x).toBe('1');
  });

  it('does not persist dry runs, refuses objects in a missing namespace, and deletes a namespace with its objects', async () => {
    const dry = await apply(CM('dry'), cm('dry'), { dryRun: 'All' });
    expect(dry.status).toBe(201);
    expect((await call({ path: CM('dry') })).status).toBe(404);

    const nowhere = await apply('/api/v1/namespaces/nowhere/configmaps/c', { ...cm('c'), metadata: { name: 'c', namespace: 'nowhere' } });
    expect(nowhere.status).toBe(404);
    expect(nowhere.body.message).toBe('namespaces "nowhere" not found');

    expect((await apply('/api/v1/namespaces/temp', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'temp' } })).status).toBe(201);
    expect((await apply('/api/v1/namespaces/temp/configmaps/c', { ...cm('c'), metadata: { name: 'c', namespace: 'temp' } })).status).toBe(201);
    const list = (await call({ path: '/api/v1/namespaces/temp/configmaps' })).body;
    expect(list.kind).toBe('ConfigMapList');
    // What Kubernetes adds to each namespace; items of built-in kinds carry no apiVersion/kind.
    expect(list.items.map((o: { metadata: { name: string } }) => o.metadata.name)).toEqual(['c', 'kube-root-ca.crt']);
    expect(list.items[0]).not.toHaveProperty('kind');
    expect((await call({ method: 'DELETE', path: '/api/v1/namespaces/temp' })).status).toBe(200);
    expect((await call({ path: '/api/v1/namespaces/temp/configmaps/c' })).status).toBe(404);
  });

  it('lists by label selector across namespaces and keeps type metadata on custom resources', async () => {
    const vs = (name: string, labels: Record<string, string>) => ({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name, namespace: 'default', labels }, spec: { hosts: [name] } });
    await apply('/apis/networking.istio.io/v1/namespaces/default/virtualservices/one', vs('one', { team: 'a' }));
    await apply('/apis/networking.istio.io/v1/namespaces/default/virtualservices/two', vs('two', { team: 'b' }));
    const list = await call({ path: '/apis/networking.istio.io/v1/virtualservices', query: { labelSelector: 'team=a' } });
    expect(list.body.items.map((o: { kind: string; metadata: { name: string } }) => `${o.kind}/${o.metadata.name}`)).toEqual(['VirtualService/one']);
    expect((await call({ path: '/apis/networking.istio.io/v1/virtualservices', query: { labelSelector: 'team!=a,team' } })).body.items).toHaveLength(1);
    expect((await call({ path: '/apis/networking.istio.io/v1/virtualservices', query: { labelSelector: 'team in (a)' } })).status).toBe(400);
  });

  it('injects failures: a rejected n-th apply, a forbidden kind', async () => {
    server.rejectApply(2, 'nope');
    expect((await apply(CM('f1'), cm('f1'))).status).toBe(201);
    const second = await apply(CM('f2'), cm('f2'));
    expect(second.status).toBe(422);
    expect(second.body).toMatchObject({ kind: 'Status', reason: 'Invalid', message: 'nope', code: 422 });
    expect((await apply(CM('f3'), cm('f3'))).status).toBe(201);
    server.clearFailures();
    server.forbidKind('Secret');
    const secret = await call({ path: '/api/v1/namespaces/default/secrets/s' });
    expect(secret.status).toBe(403);
    expect(secret.body.message).toContain('cannot get resource "secrets"');
    expect((await call({ path: CM('f1') })).status).toBe(200);
    server.clearFailures();
    expect(server.requests.at(-1)).toMatchObject({ verb: 'GET', kind: 'ConfigMap', name: 'f1', status: 200 });
    expect(server.requests.some((r) => 'authorization' in r)).toBe(false);
  });

  it('holds a matching request (test hook) unanswered and unapplied until released, serving the others meanwhile', async () => {
    const hold = server.hold({ verb: 'PATCH', kind: 'ConfigMap', dryRun: false, nth: 2 });
    expect((await apply(CM('h1'), cm('h1'))).status).toBe(201);
    let answered = false;
    const second = apply(CM('h2'), cm('h2')).then((r) => ((answered = true), r));
    const info = await hold.reached;
    expect(info).toMatchObject({ verb: 'PATCH', kind: 'ConfigMap', name: 'h2', dryRun: false });
    expect(info).not.toHaveProperty('authorization');
    // Held: not answered, nothing stored; other requests go through.
    expect((await call({ path: CM('h1') })).status).toBe(200);
    expect(server.getObject('ConfigMap', 'h2', 'default')).toBeUndefined();
    expect(answered).toBe(false);
    hold.release();
    expect((await second).status).toBe(201);
    expect(server.getObject('ConfigMap', 'h2', 'default')).toBeDefined();
    // Only once: the next matching request is not held.
    expect((await apply(CM('h3'), cm('h3'))).status).toBe(201);
  });
});
