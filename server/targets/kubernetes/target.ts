/**
 * The Kubernetes deploy target: a rendered pattern applied to a cluster with server-side apply.
 *
 * - Every object gets `meshloom.dev/deployment: <deployment>` beside the rendered
 *   `app.kubernetes.io/managed-by: meshloom` and `meshloom.dev/pattern` labels; those two labels
 *   are what `delete`, `status`, the plan's prune and `drift` find a deployment's objects by.
 * - Before anything is applied, discovery checks that the cluster serves every kind used (ML7021
 *   names each missing CRD and the install that provides it).
 * - `apply` goes object by object in the rendered order: read the live object, server-side
 *   dry-run the apply, compare (ignoring fields the server manages) and only then apply for real,
 *   so a second apply changes nothing and reports every object `unchanged`.
 * - A Namespace that exists without this deployment's labels (created by someone else, or by
 *   another deployment) is never applied to, so it never gains our labels and is never deleted.
 *
 * Failures come back as `ok: false` with a coded ML7xxx error and the outcomes so far; `status`
 * and `drift`, whose results have no error field, throw a {@link KubeError} instead when the
 * cluster cannot be asked. The kubeconfig comes from the server's configuration only, and no
 * credential, kubeconfig content or path appears in any result or message.
 */
import { isMeshId, KUBERNETES_MESHES, renderPattern } from '@/server/adapters/registry';
import type { TAdapterDiagnostic, TManifest } from '@/server/adapters/types';
import { loadSampleAppSource } from '@/server/workload/sample-app-source';
import { targetError, type TTargetErrorCode } from '../errors';
import type {
  TApplyResult,
  TChangeAction,
  TDeployInput,
  TDrift,
  THealth,
  TObjectChange,
  TObjectOutcome,
  TObjectRef,
  TPlan,
  TProgress,
  TRunOptions,
  TStatus,
  TTarget,
  TTargetError,
} from '../types';
import { cancelled, KubeClient, KubeError } from './client';
import { Discovery, resourcePath, type TResource } from './discovery';
import { crdName, knownGroupKinds, knownKind, providerOf } from './kinds';
import { loadKubeconfig } from './kubeconfig';
import {
  applyRank,
  deleteOrder,
  deploymentOf,
  desiredObject,
  identityOf,
  isOwnedBy,
  LABEL_DEPLOYMENT,
  LABEL_MANAGED_BY,
  LABEL_PATTERN,
  MANAGED_BY,
  objectDiff,
  parseObjectKey,
  projectOnto,
  refOf,
  sameObject,
  splitApiVersion,
  stripServerFields,
  type TKubeObject,
} from './objects';

export interface TKubernetesTargetOptions {
  /** Path of the kubeconfig (server configuration: MESHLOOM_KUBECONFIG); absent → `available()` says ML7001. */
  kubeconfigPath?: string;
  /** Context to use (MESHLOOM_KUBE_CONTEXT); absent → the kubeconfig's current-context. */
  context?: string;
  /** Server-side apply field manager (default `meshloom`). */
  fieldManager?: string;
  /** Per-request timeout in ms (default 30 000). */
  requestTimeoutMs?: number;
  /** Timeout of the reachability check in `available()` (default 3 000 ms). */
  probeTimeoutMs?: number;
  /** The sample workload program mounted into the pods (default: server/workload/sample-app.mjs). */
  sampleAppSource?: string;
  /** How many list requests run at once when looking for a deployment's objects (default 8). */
  listConcurrency?: number;
}

/** Objects every namespace gets from Kubernetes itself: they do not keep a namespace "in use". */
const NAMESPACE_DEFAULTS = new Set(['ConfigMap|kube-root-ca.crt', 'ServiceAccount|default']);
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** One rendered object, ready to apply. */
interface TItem {
  desired: TKubeObject;
  ref: TObjectRef;
  /** How the server serves its kind; null when it does not (a missing CRD). */
  resource: TResource | null;
}

interface TMissingKind {
  apiVersion: string;
  kind: string;
  crd: string;
  provider: ReturnType<typeof providerOf>;
  /** Other versions of the kind the cluster serves. */
  served: string[];
}

/** One connection for the length of an operation. */
interface TSession {
  client: KubeClient;
  discovery: Discovery;
  signal?: AbortSignal;
}

/** A live object found by label, with the resource it was listed through. */
interface TFound {
  object: TKubeObject;
  resource: TResource;
}

type TRendered = { ok: true; manifests: TManifest[]; diagnostics: TAdapterDiagnostic[] } | { ok: false; error: TTargetError; diagnostics: TAdapterDiagnostic[] };

/** The Kubernetes target (see the module comment). Never reads a kubeconfig from anywhere but `options`. */
export function createKubernetesTarget(options: TKubernetesTargetOptions = {}): TTarget {
  const fieldManager = options.fieldManager ?? 'meshloom';
  const settings = { kubeconfigPath: options.kubeconfigPath, context: options.context, timeoutMs: options.requestTimeoutMs };
  const listConcurrency = Math.max(1, options.listConcurrency ?? 8);
  /** Deployments with a mutating operation running (ML7004). */
  const busy = new Set<string>();
  /** What the last apply in this process rendered per deployment: lets `status` report objects that went missing. */
  const lastApplied = new Map<string, TObjectRef[]>();

  // ---------------------------------------------------------------- plumbing

  async function connect(signal?: AbortSignal): Promise<TSession> {
    const client = await KubeClient.connect(settings);
    return { client, discovery: new Discovery(client, signal), signal };
  }

  function render(input: TDeployInput): TRendered {
    if (!(KUBERNETES_MESHES as readonly string[]).includes(input.mesh)) {
      return {
        ok: false,
        diagnostics: [],
        error: targetError('ML7002', `the Kubernetes target cannot run mesh '${input.mesh}' (it runs ${KUBERNETES_MESHES.join(', ')})`, isMeshId(input.mesh) ? 'deploy it to the sandbox target' : undefined),
      };
    }
    try {
      const r = renderPattern(input.mesh, input.pattern, { sampleAppSource: options.sampleAppSource ?? loadSampleAppSource() });
      const errors = r.diagnostics.filter((d) => d.severity === 'error');
      if (errors.length) return { ok: false, diagnostics: r.diagnostics, error: targetError('ML7003', `the pattern does not render for ${input.mesh}: ${errors.map((d) => `${d.code} ${d.message}`).join('; ')}`) };
      return { ok: true, manifests: r.manifests, diagnostics: r.diagnostics };
    } catch (e) {
      return { ok: false, diagnostics: [], error: targetError('ML7003', `the pattern does not render for ${input.mesh}: ${e instanceof Error ? e.message : String(e)}`) };
    }
  }

  /** The rendered objects with our labels and their resources, and the kinds the cluster does not serve. */
  async function prepare(s: TSession, deployment: string, mesh: TDeployInput['mesh'], manifests: TManifest[]): Promise<{ items: TItem[]; missing: TMissingKind[] }> {
    const items: TItem[] = [];
    const missing = new Map<string, TMissingKind>();
    const resources = await Promise.all(manifests.map((m) => s.discovery.resource(m.apiVersion, m.kind)));
    for (const [i, m] of manifests.entries()) {
      const resource = resources[i] ?? null;
      const desired = desiredObject(m, deployment, resource?.namespaced ?? knownKind(m.apiVersion, m.kind)?.namespaced, s.client.defaultNamespace);
      items.push({ desired, ref: refOf(desired), resource });
      const id = `${m.apiVersion}|${m.kind}`;
      if (!resource && !missing.has(id)) {
        const served = (await s.discovery.versionsOf(splitApiVersion(m.apiVersion).group, m.kind)).map((r) => r.version);
        missing.set(id, { apiVersion: m.apiVersion, kind: m.kind, crd: crdName(m.apiVersion, m.kind), provider: providerOf(m.apiVersion, m.kind, mesh), served });
      }
    }
    return { items, missing: [...missing.values()] };
  }

  function missingKindsError(missing: TMissingKind[], consequence: string): TTargetError {
    const list = missing.map((m) => {
      const also = m.served.length ? `; the cluster serves only ${m.served.join(', ')}` : '';
      return `${m.crd} (${m.kind} ${m.apiVersion}, from ${m.provider.title}${also})`;
    });
    const hints = [...new Set(missing.map((m) => m.provider.install))];
    const n = missing.length;
    return targetError('ML7021', `${n} resource kind${n === 1 ? ' is' : 's are'} not installed in the cluster: ${list.join(', ')}. ${consequence}`, hints.join('; '));
  }

  /** Namespaces the rendered objects go into that neither exist nor are rendered, with the objects that need them. */
  async function absentNamespaces(s: TSession, items: TItem[]): Promise<Map<string, TItem[]>> {
    const rendered = new Set(items.filter((i) => i.desired.kind === 'Namespace' && i.desired.apiVersion === 'v1').map((i) => i.desired.metadata.name));
    const needed = new Map<string, TItem[]>();
    for (const i of items) {
      const ns = i.resource?.namespaced ? i.desired.metadata.namespace : undefined;
      if (!ns || rendered.has(ns)) continue;
      needed.set(ns, [...(needed.get(ns) ?? []), i]);
    }
    const out = new Map<string, TItem[]>();
    if (!needed.size) return out;
    const nsResource = await s.discovery.resource('v1', 'Namespace');
    if (!nsResource) return out;
    for (const [ns, users] of needed) {
      if (!(await getLive(s, nsResource, { key: `v1/Namespace/${ns}`, kind: 'Namespace', name: ns }))) out.set(ns, users);
    }
    return out;
  }

  function absentNamespacesError(absent: Map<string, TItem[]>, consequence: string): TTargetError {
    const list = [...absent].map(([ns, users]) => {
      const shown = users.slice(0, 3).map((u) => describe(u.ref));
      return `${ns} (for ${shown.join(', ')}${users.length > 3 ? ` and ${users.length - 3} more` : ''})`;
    });
    const n = absent.size;
    return targetError(
      'ML7022',
      `${n} namespace${n === 1 ? '' : 's'} the pattern uses ${n === 1 ? 'does' : 'do'} not exist and ${n === 1 ? 'is' : 'are'} not part of it: ${list.join('; ')}. ${consequence}`,
      "install what lives there first (the mesh's control plane in its system namespace, an ingress or egress gateway in its own), or create the namespace",
    );
  }

  function describe(ref: TObjectRef): string {
    return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
  }

  async function getLive(s: TSession, resource: TResource, ref: TObjectRef): Promise<TKubeObject | null> {
    const res = await s.client.request({ method: 'GET', path: resourcePath(resource, ref.namespace, ref.name), signal: s.signal });
    if (res.status === 404) return null;
    if (res.status >= 300) throw s.client.statusError(res, `reading ${describe(ref)}`);
    return withTypeMeta(res.body as TKubeObject, resource);
  }

  /** Server-side apply of one object (force: Meshloom owns what it renders). */
  async function applyObject(s: TSession, resource: TResource, object: TKubeObject, dryRun: boolean): Promise<TKubeObject> {
    const ref = refOf(object);
    const res = await s.client.request({
      method: 'PATCH',
      path: resourcePath(resource, object.metadata.namespace, object.metadata.name),
      query: { fieldManager, force: 'true', fieldValidation: 'Strict', dryRun: dryRun ? 'All' : undefined },
      contentType: 'application/apply-patch+yaml',
      body: object,
      signal: s.signal,
    });
    if (res.status >= 300) throw s.client.statusError(res, `${dryRun ? 'a dry run of ' : ''}applying ${describe(ref)}`);
    return withTypeMeta(res.body as TKubeObject, resource);
  }

  /** Deletes one object; false when it was already gone. */
  async function deleteObject(s: TSession, resource: TResource, ref: TObjectRef, dryRun: boolean): Promise<boolean> {
    const res = await s.client.request({
      method: 'DELETE',
      path: resourcePath(resource, ref.namespace, ref.name),
      query: { dryRun: dryRun ? 'All' : undefined },
      body: { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background' },
      signal: s.signal,
    });
    if (res.status === 404) return false;
    if (res.status >= 300) throw s.client.statusError(res, `deleting ${describe(ref)}`);
    return true;
  }

  async function list(s: TSession, resource: TResource, query: { labelSelector?: string; namespace?: string }): Promise<TKubeObject[]> {
    const res = await s.client.request({
      method: 'GET',
      path: resourcePath(resource, query.namespace),
      query: { labelSelector: query.labelSelector },
      signal: s.signal,
    });
    if (res.status === 404) return [];
    if (res.status >= 300) throw s.client.statusError(res, `listing ${resource.plural}${resource.group ? `.${resource.group}` : ''}`);
    const items = (res.body?.items as TKubeObject[] | undefined) ?? [];
    // Lists of built-in kinds leave apiVersion and kind out of their items.
    return items.map((o) => withTypeMeta(o, resource));
  }

  /** The resources of every kind Meshloom renders (and of extra kinds a deployment used) that the cluster serves. */
  async function servedKinds(s: TSession, extra: { apiVersion: string; kind: string }[] = []): Promise<TResource[]> {
    const wanted = new Map<string, { group: string; kind: string }>();
    for (const k of knownGroupKinds()) wanted.set(`${k.group}|${k.kind}`, k);
    for (const e of extra) {
      const group = splitApiVersion(e.apiVersion).group;
      wanted.set(`${group}|${e.kind}`, { group, kind: e.kind });
    }
    const found = await Promise.all([...wanted.values()].map((k) => s.discovery.forGroupKind(k.group, k.kind)));
    return found.filter((r): r is TResource => r !== null);
  }

  async function inBatches<T, R>(values: T[], fn: (v: T) => Promise<R>): Promise<R[]> {
    const out: R[] = [];
    for (let i = 0; i < values.length; i += listConcurrency) out.push(...(await Promise.all(values.slice(i, i + listConcurrency).map(fn))));
    return out;
  }

  /** Every live object labelled as this deployment's, across the kinds Meshloom renders. */
  async function listOwned(s: TSession, deployment: string, extra: { apiVersion: string; kind: string }[] = []): Promise<TFound[]> {
    const selector = `${LABEL_MANAGED_BY}=${MANAGED_BY},${LABEL_DEPLOYMENT}=${deployment}`;
    const resources = await servedKinds(s, extra);
    const lists = await inBatches(resources, async (resource) => (await list(s, resource, { labelSelector: selector })).map((object) => ({ object, resource })));
    // The labels are checked again: only objects carrying both are ours.
    return lists.flat().filter((f) => isOwnedBy(f.object, deployment));
  }

  /** Why a namespace must be kept (an object in it that is not this deployment's), or null when it may go. */
  async function namespaceInUse(s: TSession, namespace: string, deployment: string): Promise<string | null> {
    const resources = (await servedKinds(s)).filter((r) => r.namespaced);
    const lists = await inBatches(resources, (resource) => list(s, resource, { namespace }));
    for (const o of lists.flat()) {
      if (isOwnedBy(o, deployment) || o.metadata.deletionTimestamp) continue;
      if (NAMESPACE_DEFAULTS.has(`${o.kind}|${o.metadata.name}`)) continue;
      const other = deploymentOf(o);
      return `${o.kind} ${namespace}/${o.metadata.name} ${other ? `of Meshloom deployment ${other}` : 'that Meshloom did not create'}`;
    }
    return null;
  }

  /** The message for a namespace that exists without this deployment's labels (we leave it alone), or null when it is ours. */
  function foreignNamespace(item: TItem, live: TKubeObject | null, deployment: string): string | null {
    if (item.desired.kind !== 'Namespace' || !live || isOwnedBy(live, deployment)) return null;
    const other = deploymentOf(live);
    if (other) return `namespace ${live.metadata.name} belongs to Meshloom deployment ${other}: left as it is`;
    const own = new Set([LABEL_MANAGED_BY, LABEL_DEPLOYMENT, LABEL_PATTERN]);
    const wanted = [
      ...Object.entries(item.desired.metadata.labels ?? {}).filter(([k, v]) => !own.has(k) && live.metadata.labels?.[k] !== v),
      ...Object.entries(item.desired.metadata.annotations ?? {}).filter(([k, v]) => live.metadata.annotations?.[k] !== v),
    ].map(([k, v]) => `${k}=${v}`);
    return `namespace ${live.metadata.name} existed before and Meshloom does not manage it: left as it is${wanted.length ? ` (the mesh expects ${wanted.join(', ')} on it: add ${wanted.length === 1 ? 'it' : 'them'} yourself)` : ''}`;
  }

  function endpointsOf(objects: TKubeObject[]): Record<string, string> | undefined {
    const services = objects.filter((o) => o.kind === 'Service' && o.apiVersion === 'v1');
    if (!services.length) return undefined;
    const names = new Map<string, number>();
    for (const svc of services) names.set(svc.metadata.name, (names.get(svc.metadata.name) ?? 0) + 1);
    const out: Record<string, string> = {};
    for (const svc of services) {
      const port = ((svc.spec as { ports?: { port: number }[] } | undefined)?.ports ?? [])[0]?.port ?? 80;
      const { name, namespace = 'default' } = svc.metadata;
      out[(names.get(name) ?? 0) > 1 ? `${name}.${namespace}` : name] = `http://${name}.${namespace}.svc.cluster.local:${port}`;
    }
    return out;
  }

  function asKubeError(e: unknown): KubeError {
    if (e instanceof KubeError) return e;
    return new KubeError('ML7022', `unexpected failure: ${e instanceof Error ? e.message : String(e)}`);
  }

  function failed(error: TTargetError, diagnostics: TAdapterDiagnostic[], objects: TObjectOutcome[] = []): TApplyResult {
    return { ok: false, changed: objects.some(isChange), objects, error, diagnostics };
  }

  function checkDeploymentName(deployment: string): void {
    if (deployment.length > 63 || !DNS_LABEL.test(deployment)) throw new TypeError(`deployment name '${deployment}' is not a DNS label (lower-case letters, digits, '-', at most 63 characters)`);
  }

  /** Runs a mutating operation unless another one on the same deployment is running (ML7004). */
  async function exclusive(deployment: string, run: () => Promise<TApplyResult>): Promise<TApplyResult> {
    checkDeploymentName(deployment);
    if (busy.has(deployment)) return failed(targetError('ML7004', `another operation on deployment ${deployment} is in progress`, 'wait for it to finish'), []);
    busy.add(deployment);
    try {
      return await run();
    } finally {
      busy.delete(deployment);
    }
  }

  function emit(options: TRunOptions | undefined, p: TProgress): void {
    try {
      options?.onProgress?.(p);
    } catch {
      // A failing listener must not break the operation.
    }
  }

  /** Outcomes so far, the rest skipped, and the error. */
  function stopped(error: KubeError, outcomes: TObjectOutcome[], rest: TObjectRef[], action: (ref: TObjectRef) => TChangeAction, diagnostics: TAdapterDiagnostic[], endpoints?: Record<string, string>): TApplyResult {
    const skipped = rest.map((ref): TObjectOutcome => ({ ...ref, action: action(ref), status: 'skipped', message: error.code === 'ML7005' ? 'cancelled' : 'not attempted after the failure' }));
    return { ok: false, changed: outcomes.some(isChange), objects: [...outcomes, ...skipped], error: error.toTargetError(), diagnostics, ...(endpoints ? { endpoints } : {}) };
  }

  // ---------------------------------------------------------------- delete helpers shared by apply (prune), delete and rollback

  /** Deletes one object of ours (a namespace only when nothing else is left in it); the outcome. */
  async function removeOwned(s: TSession, found: TFound, deployment: string, dryRun: boolean): Promise<TObjectOutcome> {
    const ref = refOf(found.object);
    const previous = stripServerFields(found.object);
    if (found.object.kind === 'Namespace') {
      const inUse = await namespaceInUse(s, found.object.metadata.name, deployment);
      if (inUse) return { ...ref, action: 'unchanged', status: 'unchanged', message: `namespace kept: it still holds ${inUse}` };
    }
    const gone = await deleteObject(s, found.resource, ref, dryRun);
    return { ...ref, action: 'delete', status: 'deleted', previous, ...(gone ? (dryRun ? { message: 'dry run: nothing deleted' } : {}) : { message: 'already gone' }) };
  }

  // ---------------------------------------------------------------- the operations

  const target: TTarget = {
    id: 'kubernetes',
    title: 'Kubernetes',
    meshes: KUBERNETES_MESHES,

    async available() {
      const loaded = await loadKubeconfig(settings);
      if (!loaded.ok) return { ok: false, reason: reasonOf(loaded.error) };
      try {
        const client = await KubeClient.connect({ ...settings, timeoutMs: options.probeTimeoutMs ?? 3000 });
        const res = await client.request({ method: 'GET', path: '/api' });
        if (res.status >= 300) return { ok: false, reason: reasonOf(client.statusError(res, 'checking the API server').toTargetError()) };
        return { ok: true };
      } catch (e) {
        return { ok: false, reason: reasonOf(asKubeError(e).toTargetError()) };
      }
    },

    async plan(input) {
      checkDeploymentName(input.deployment);
      const base = { target: 'kubernetes' as const, mesh: input.mesh, deployment: input.deployment };
      const summary = (changes: TObjectChange[]) => {
        const out: Record<TChangeAction, number> = { create: 0, update: 0, delete: 0, unchanged: 0 };
        for (const c of changes) out[c.action]++;
        return out;
      };
      const rendered = render(input);
      if (!rendered.ok) return { ...base, changes: [], summary: summary([]), diagnostics: [...rendered.diagnostics, asDiagnostic(rendered.error)] };
      const diagnostics = [...rendered.diagnostics];
      const changes: TObjectChange[] = [];
      try {
        const s = await connect();
        const { items, missing } = await prepare(s, input.deployment, input.mesh, rendered.manifests);
        if (missing.length) diagnostics.push(asDiagnostic(missingKindsError(missing, 'Applying would fail until they are installed.')));
        const absent = await absentNamespaces(s, items);
        if (absent.size) diagnostics.push(asDiagnostic(absentNamespacesError(absent, 'Applying would fail until they exist.')));
        for (const item of items) {
          if (!item.resource) {
            changes.push({ ...item.ref, action: 'create', diff: objectDiff(item.ref.key, null, item.desired) });
            continue;
          }
          const live = await getLive(s, item.resource, item.ref);
          if (foreignNamespace(item, live, input.deployment)) {
            changes.push({ ...item.ref, action: 'unchanged', diff: '' });
            continue;
          }
          let result: TKubeObject;
          try {
            result = await applyObject(s, item.resource, item.desired, true);
          } catch (e) {
            const err = asKubeError(e);
            // A new namespace is created by the same apply: its objects cannot be dry-run before it exists.
            if (!(err.status === 404 && !live)) {
              if (err.code !== 'ML7022') throw err;
              diagnostics.push(asDiagnostic(err.toTargetError()));
            }
            const projected = live ? projectOnto(stripServerFields(live), item.desired) : null;
            changes.push({ ...item.ref, action: live ? (sameObject(projected as object, item.desired) ? 'unchanged' : 'update') : 'create', diff: objectDiff(item.ref.key, projected as object | null, item.desired) });
            continue;
          }
          const diff = objectDiff(item.ref.key, live, result);
          changes.push({ ...item.ref, action: !live ? 'create' : diff ? 'update' : 'unchanged', diff });
        }
        const renderedIds = new Set(items.map((i) => identityOf(i.desired)));
        const owned = await listOwned(s, input.deployment, [...lastAppliedKinds(input.deployment), ...items.map((i) => i.desired)]);
        const extras = inDeleteOrder(owned.filter((f) => !renderedIds.has(identityOf(f.object)))).map((f) => f.object);
        for (const o of extras) changes.push({ ...refOf(o), action: 'delete', diff: objectDiff(refOf(o).key, o, null) });
      } catch (e) {
        diagnostics.push(asDiagnostic(asKubeError(e).toTargetError()));
      }
      return { ...base, changes, summary: summary(changes), diagnostics } satisfies TPlan;
    },

    apply(input, runOptions) {
      return exclusive(input.deployment, async () => {
        const dryRun = runOptions?.dryRun === true;
        const signal = runOptions?.signal;
        emit(runOptions, { phase: 'render', message: `rendering ${input.pattern.metadata.name} for ${input.mesh}` });
        const rendered = render(input);
        if (!rendered.ok) return failed(rendered.error, rendered.diagnostics);
        const diagnostics = rendered.diagnostics;
        let s: TSession;
        let prepared: Awaited<ReturnType<typeof prepare>>;
        try {
          s = await connect(signal);
          emit(runOptions, { phase: 'plan', message: 'checking which kinds the cluster serves' });
          prepared = await prepare(s, input.deployment, input.mesh, rendered.manifests);
        } catch (e) {
          return failed(asKubeError(e).toTargetError(), diagnostics);
        }
        const { items, missing } = prepared;
        const endpoints = endpointsOf(items.map((i) => i.desired));
        let absent: Map<string, TItem[]>;
        try {
          absent = missing.length ? new Map() : await absentNamespaces(s, items);
        } catch (e) {
          return failed(asKubeError(e).toTargetError(), diagnostics);
        }
        if (missing.length || absent.size) {
          // Nothing is applied when something is sure to fail: every object skipped, with why.
          const error = missing.length ? missingKindsError(missing, 'Nothing was applied.') : absentNamespacesError(absent, 'Nothing was applied.');
          const missingIds = new Set(missing.map((m) => `${m.apiVersion}|${m.kind}`));
          const objects = items.map((i): TObjectOutcome => {
            const ns = i.desired.metadata.namespace;
            const message = missingIds.has(`${i.desired.apiVersion}|${i.desired.kind}`)
              ? `${crdName(i.desired.apiVersion, i.desired.kind)} is not installed`
              : ns && absent.has(ns)
                ? `namespace ${ns} does not exist`
                : `not applied: ${missing.length ? 'other kinds are missing' : 'other objects need a namespace that does not exist'}`;
            return { ...i.ref, action: 'create', status: 'skipped', message };
          });
          return { ok: false, changed: false, objects, error, diagnostics };
        }
        const outcomes: TObjectOutcome[] = [];
        const total = items.length;
        const note = dryRun ? { message: 'dry run: nothing persisted' } : {};
        /** Namespaces left alone: not part of the deployment. */
        const foreignKeys = new Set<string>();
        const record = () => {
          if (!dryRun) lastApplied.set(input.deployment, items.filter((x) => !foreignKeys.has(x.ref.key)).map((x) => x.ref));
        };
        for (const [i, item] of items.entries()) {
          const resource = item.resource!;
          let liveBefore: TKubeObject | null = null;
          try {
            if (signal?.aborted) throw cancelled();
            const live = await getLive(s, resource, item.ref);
            liveBefore = live;
            const foreign = foreignNamespace(item, live, input.deployment);
            let outcome: TObjectOutcome;
            if (foreign) {
              foreignKeys.add(item.ref.key);
              outcome = { ...item.ref, action: 'unchanged', status: 'unchanged', message: foreign };
            } else if (!live) {
              try {
                await applyObject(s, resource, item.desired, dryRun);
                outcome = { ...item.ref, action: 'create', status: 'applied', ...note };
              } catch (e) {
                // Dry run only: a namespace this run would create does not exist yet.
                if (!(dryRun && asKubeError(e).status === 404)) throw e;
                outcome = { ...item.ref, action: 'create', status: 'applied', message: 'dry run: its namespace does not exist yet, so the server could not check it' };
              }
            } else {
              const result = await applyObject(s, resource, item.desired, true);
              if (sameObject(live, result)) {
                outcome = { ...item.ref, action: 'unchanged', status: 'unchanged' };
              } else {
                if (!dryRun) await applyObject(s, resource, item.desired, false);
                outcome = { ...item.ref, action: 'update', status: 'applied', previous: stripServerFields(live), ...note };
                const owner = deploymentOf(live);
                if (owner !== input.deployment) {
                  outcome.message = `${dryRun ? 'dry run: ' : ''}taken over ${owner ? `from Meshloom deployment ${owner}` : "(it existed without Meshloom's labels)"}`;
                }
              }
            }
            outcomes.push(outcome);
            emit(runOptions, { phase: 'apply', message: `${outcomeVerb(outcome)} ${describe(item.ref)}`, object: outcome, done: i + 1, total });
          } catch (e) {
            const err = asKubeError(e);
            if (err.code !== 'ML7005') {
              const outcome: TObjectOutcome = { ...item.ref, action: liveBefore ? 'update' : 'create', status: 'failed', message: err.message };
              outcomes.push(outcome);
              emit(runOptions, { phase: 'apply', message: `failed: ${describe(item.ref)}`, object: outcome, done: i + 1, total });
            }
            record();
            const rest = items.slice(err.code === 'ML7005' ? i : i + 1).map((x) => x.ref);
            return stopped(err, outcomes, rest, () => 'create', diagnostics, endpoints);
          }
        }
        // Objects of this deployment the pattern no longer renders.
        try {
          const renderedIds = new Set(items.map((x) => identityOf(x.desired)));
          const extras = (await listOwned(s, input.deployment, [...lastAppliedKinds(input.deployment), ...items.map((x) => x.desired)])).filter((f) => !renderedIds.has(identityOf(f.object)));
          for (const found of inDeleteOrder(extras)) {
            if (signal?.aborted) throw cancelled();
            const outcome = await removeOwned(s, found, input.deployment, dryRun);
            outcomes.push(outcome);
            emit(runOptions, { phase: 'delete', message: `${outcomeVerb(outcome)} ${describe(outcome)}`, object: outcome });
          }
        } catch (e) {
          record();
          return stopped(asKubeError(e), outcomes, [], () => 'delete', diagnostics, endpoints);
        }
        record();
        return { ok: true, changed: outcomes.some(isChange), objects: outcomes, diagnostics, ...(endpoints ? { endpoints } : {}) };
      });
    },

    delete(ref, runOptions) {
      return exclusive(ref.deployment, async () => {
        const dryRun = runOptions?.dryRun === true;
        let s: TSession;
        let owned: TFound[];
        try {
          s = await connect(runOptions?.signal);
          emit(runOptions, { phase: 'delete', message: `looking for the objects of ${ref.deployment}` });
          owned = await listOwned(s, ref.deployment, lastAppliedKinds(ref.deployment));
        } catch (e) {
          return failed(asKubeError(e).toTargetError(), []);
        }
        const ordered = inDeleteOrder(owned);
        const outcomes: TObjectOutcome[] = [];
        for (const [i, found] of ordered.entries()) {
          try {
            if (runOptions?.signal?.aborted) throw cancelled();
            const outcome = await removeOwned(s, found, ref.deployment, dryRun);
            outcomes.push(outcome);
            emit(runOptions, { phase: 'delete', message: `${outcomeVerb(outcome)} ${describe(outcome)}`, object: outcome, done: i + 1, total: ordered.length });
          } catch (e) {
            const err = asKubeError(e);
            const r = refOf(found.object);
            if (err.code !== 'ML7005') outcomes.push({ ...r, action: 'delete', status: 'failed', message: err.message });
            const rest = ordered.slice(err.code === 'ML7005' ? i : i + 1).map((f) => refOf(f.object));
            return stopped(err, outcomes, rest, () => 'delete', []);
          }
        }
        if (!dryRun) lastApplied.delete(ref.deployment);
        return { ok: true, changed: outcomes.some(isChange), objects: outcomes, diagnostics: [] };
      });
    },

    rollback(ref, applied, runOptions) {
      return exclusive(ref.deployment, async () => {
        const dryRun = runOptions?.dryRun === true;
        let s: TSession;
        try {
          s = await connect(runOptions?.signal);
        } catch (e) {
          return failed(asKubeError(e).toTargetError(), []);
        }
        const todo = [...applied].reverse().filter((o) => (o.status === 'applied' && (o.action === 'create' || (o.action === 'update' && o.previous))) || (o.status === 'deleted' && o.previous));
        const outcomes: TObjectOutcome[] = [];
        const note = dryRun ? { message: 'dry run: nothing persisted' } : {};
        for (const [i, o] of todo.entries()) {
          const r: TObjectRef = { key: o.key, kind: o.kind, name: o.name, ...(o.namespace ? { namespace: o.namespace } : {}) };
          try {
            if (runOptions?.signal?.aborted) throw cancelled();
            const parsed = parseObjectKey(o.key);
            const previous = o.previous && typeof o.previous === 'object' ? (stripServerFields(o.previous as TKubeObject) as TKubeObject) : null;
            const apiVersion = previous?.apiVersion ?? parsed?.apiVersion;
            const resource = apiVersion ? await s.discovery.resource(apiVersion, o.kind) : null;
            if (!resource) {
              outcomes.push({ ...r, action: 'unchanged', status: 'skipped', message: `${crdName(apiVersion ?? 'v1', o.kind)} is not served: nothing to roll back` });
              continue;
            }
            let outcome: TObjectOutcome;
            if (o.status === 'applied' && o.action === 'create') {
              const live = await getLive(s, resource, r);
              if (!live) outcome = { ...r, action: 'unchanged', status: 'unchanged', message: 'already gone' };
              else if (!isOwnedBy(live, ref.deployment)) outcome = { ...r, action: 'unchanged', status: 'unchanged', message: 'no longer carries this deployment’s labels: left as it is' };
              else outcome = await removeOwned(s, { object: live, resource }, ref.deployment, dryRun);
            } else {
              // Restore what was live before: an update undone, or a deleted object re-created.
              await applyObject(s, resource, previous!, dryRun);
              outcome = { ...r, action: o.status === 'deleted' ? 'create' : 'update', status: 'applied', ...note };
            }
            outcomes.push(outcome);
            emit(runOptions, { phase: 'rollback', message: `${outcomeVerb(outcome)} ${describe(r)}`, object: outcome, done: i + 1, total: todo.length });
          } catch (e) {
            const err = asKubeError(e);
            if (err.code !== 'ML7005') outcomes.push({ ...r, action: o.action === 'create' ? 'delete' : 'update', status: 'failed', message: err.message });
            const rest = todo.slice(err.code === 'ML7005' ? i : i + 1).map((x) => ({ key: x.key, kind: x.kind, name: x.name, ...(x.namespace ? { namespace: x.namespace } : {}) }));
            return stopped(err, outcomes, rest, () => 'update', []);
          }
        }
        if (!dryRun) lastApplied.delete(ref.deployment);
        return { ok: true, changed: outcomes.some(isChange), objects: outcomes, diagnostics: [] };
      });
    },

    async status(ref) {
      checkDeploymentName(ref.deployment);
      const s = await connect();
      const owned = await listOwned(s, ref.deployment, lastAppliedKinds(ref.deployment));
      const recorded = lastApplied.get(ref.deployment) ?? [];
      const recordedById = new Map(recorded.map((r) => [identityOfRef(r), r]));
      const seen = new Set<string>();
      const objects: TStatus['objects'] = [];
      for (const { object } of owned) {
        const id = identityOf(object);
        seen.add(id);
        const r = recordedById.get(id) ?? refOf(object);
        objects.push({ ...r, ...healthOf(object) });
      }
      for (const r of recorded) if (!seen.has(identityOfRef(r))) objects.push({ ...r, health: 'missing', message: 'not found in the cluster' });
      // In apply order: as recorded, else by kind.
      const order = new Map(recorded.map((r, i) => [r.key, i]));
      objects.sort((a, b) => (order.get(a.key) ?? Infinity) - (order.get(b.key) ?? Infinity) || applyRank(a.kind) - applyRank(b.kind));
      const exists = owned.length > 0;
      const endpoints = endpointsOf(owned.map((f) => f.object));
      return { deployment: ref.deployment, exists, healthy: exists && objects.every((o) => o.health === 'healthy'), objects, ...(endpoints ? { endpoints } : {}) };
    },

    async drift(input) {
      checkDeploymentName(input.deployment);
      const rendered = render(input);
      if (!rendered.ok) throw new KubeError(rendered.error.code as TTargetErrorCode, rendered.error.message, rendered.error.hint);
      const s = await connect();
      const { items } = await prepare(s, input.deployment, input.mesh, rendered.manifests);
      const objects: TDrift['objects'] = [];
      for (const item of items) {
        const live = item.resource ? await getLive(s, item.resource, item.ref) : null;
        if (!live) {
          objects.push({ ...item.ref, state: 'missing', diff: objectDiff(item.ref.key, null, item.desired) });
          continue;
        }
        if (foreignNamespace(item, live, input.deployment)) {
          objects.push({ ...item.ref, state: 'in-sync', diff: '' });
          continue;
        }
        let diff: string;
        try {
          // What applying now would change: exactly the fields we set that differ live.
          diff = objectDiff(item.ref.key, live, await applyObject(s, item.resource!, item.desired, true));
        } catch (e) {
          const err = asKubeError(e);
          if (err.code !== 'ML7022') throw err;
          diff = objectDiff(item.ref.key, projectOnto(stripServerFields(live), item.desired) as object, item.desired);
        }
        objects.push({ ...item.ref, state: diff ? 'changed' : 'in-sync', diff });
      }
      const renderedIds = new Set(items.map((i) => identityOf(i.desired)));
      for (const { object } of await listOwned(s, input.deployment, [...lastAppliedKinds(input.deployment), ...items.map((i) => i.desired)])) {
        if (renderedIds.has(identityOf(object))) continue;
        const r = refOf(object);
        objects.push({ ...r, state: 'extra', diff: objectDiff(r.key, object, null) });
      }
      return { deployment: input.deployment, drifted: objects.some((o) => o.state !== 'in-sync'), objects };
    },
  };

  function lastAppliedKinds(deployment: string): { apiVersion: string; kind: string }[] {
    return (lastApplied.get(deployment) ?? []).map((r) => parseObjectKey(r.key)).filter((p): p is NonNullable<typeof p> => p !== null);
  }

  return target;
}

// ---------------------------------------------------------------- helpers

function inDeleteOrder(found: TFound[]): TFound[] {
  return deleteOrder(found.map((f) => ({ kind: f.object.kind, found: f }))).map((x) => x.found);
}

function withTypeMeta(o: TKubeObject, resource: TResource): TKubeObject {
  if (o && typeof o === 'object') {
    if (!o.apiVersion) o.apiVersion = resource.apiVersion;
    if (!o.kind) o.kind = resource.kind;
  }
  return o;
}

function isChange(o: TObjectOutcome): boolean {
  return (o.status === 'applied' || o.status === 'deleted') && o.action !== 'unchanged';
}

function outcomeVerb(o: TObjectOutcome): string {
  if (o.status === 'failed') return 'failed';
  if (o.status === 'skipped') return 'skipped';
  if (o.action === 'unchanged') return 'unchanged';
  return o.action === 'create' ? 'created' : o.action === 'update' ? 'updated' : 'deleted';
}

function identityOfRef(r: TObjectRef): string {
  const parsed = parseObjectKey(r.key);
  return parsed ? identityOf({ apiVersion: parsed.apiVersion, kind: parsed.kind, metadata: { name: parsed.name, namespace: parsed.namespace } }) : r.key;
}

function reasonOf(e: TTargetError): string {
  return `${e.code}: ${e.message}${e.hint ? ` (${e.hint})` : ''}`;
}

function asDiagnostic(e: TTargetError): TAdapterDiagnostic {
  return { code: e.code, severity: 'error', message: e.hint ? `${e.message} (${e.hint})` : e.message };
}

interface TDeploymentShape {
  metadata: { generation?: number };
  spec?: { replicas?: number };
  status?: {
    observedGeneration?: number;
    availableReplicas?: number;
    updatedReplicas?: number;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

/** Deployments by readiness; any other object that exists is healthy. */
export function healthOf(o: TKubeObject): { health: THealth; message?: string } {
  if (o.kind !== 'Deployment') return { health: 'healthy' };
  const d = o as unknown as TDeploymentShape;
  const desired = d.spec?.replicas ?? 1;
  const st = d.status ?? {};
  const available = st.availableReplicas ?? 0;
  const updated = st.updatedReplicas ?? 0;
  const counts = `${available}/${desired} replicas available`;
  const failing = (st.conditions ?? []).find(
    (c) => (c.type === 'Progressing' && c.status === 'False') || (c.type === 'ReplicaFailure' && c.status === 'True'),
  );
  if (failing) return { health: 'degraded', message: `${counts}: ${failing.reason ?? failing.type}${failing.message ? ` (${failing.message})` : ''}` };
  if (d.metadata.generation !== undefined && (st.observedGeneration ?? 0) < d.metadata.generation) return { health: 'progressing', message: `${counts}: the new spec is not rolled out yet` };
  if (desired === 0 || (available >= desired && updated >= desired)) return { health: 'healthy', message: counts };
  return { health: 'progressing', message: counts };
}
