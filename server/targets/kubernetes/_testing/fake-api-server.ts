/**
 * TEST DOUBLE of the Kubernetes API server — not Kubernetes. No cluster runs where these tests
 * run, so the Kubernetes target is tested against this stand-in for the part of the API's HTTP
 * contract it uses, served for real over HTTPS on 127.0.0.1 (a throw-away self-signed
 * certificate made with the openssl CLI; plain HTTP with insecure-skip-tls-verify when openssl
 * is missing):
 *
 * - bearer-token authentication (401 Status without the token);
 * - discovery: /api, /api/v1, /apis, /apis/<group>/<version> (APIVersions, APIGroupList,
 *   APIResourceList), for the built-in kinds (always) and the CRD kinds a test installs;
 * - GET, LIST (all namespaces or one; equality/existence label selectors; items of built-in
 *   kinds without apiVersion/kind, as the real server sends them), DELETE (a Namespace takes
 *   its objects with it);
 * - server-side apply (PATCH application/apply-patch+yaml): the applied fields are merged into
 *   the stored object, fields the manager applied before and no longer applies are removed
 *   unless another manager owns them, managedFields record each manager's fields (lists are
 *   atomic, as they are for CRDs), conflicts with other managers are 409 unless force=true,
 *   dryRun=All computes the result without storing it; the server sets uid, resourceVersion,
 *   creationTimestamp, generation and a few defaults (Namespace label and finalizer, Service
 *   cluster IP, Deployment strategy and status), and refuses objects in a namespace that does
 *   not exist (404, like the real server);
 * - each new namespace gets the `kube-root-ca.crt` ConfigMap and `default` ServiceAccount the
 *   real controllers add; `default`, `kube-system` and `kube-public` exist from the start;
 * - injectable failures (a Status with any code for the n-th matching request; 403 for a kind),
 *   an edit by another field manager (drift), Deployment status changes (health), and a log of
 *   every request;
 * - a test hook with no counterpart in Kubernetes: {@link FakeKubeApiServer.hold} keeps a
 *   matching request waiting (unanswered, nothing changed yet) until the test releases it, so a
 *   test can look at an operation half-way (a slow API server, deterministically).
 *
 * What it does not do: admission, schema validation, conversion between versions (a stored
 * object is returned in whichever served version is asked, like a CRD with conversion None),
 * watches, pods or controllers.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';

/** A kind the double serves. */
export interface TFakeKind {
  group: string;
  versions: string[];
  kind: string;
  plural: string;
  namespaced: boolean;
}

/** Built-in kinds: always served. */
export const CORE_KINDS: readonly TFakeKind[] = [
  { group: '', versions: ['v1'], kind: 'Namespace', plural: 'namespaces', namespaced: false },
  { group: '', versions: ['v1'], kind: 'ServiceAccount', plural: 'serviceaccounts', namespaced: true },
  { group: '', versions: ['v1'], kind: 'ConfigMap', plural: 'configmaps', namespaced: true },
  { group: '', versions: ['v1'], kind: 'Secret', plural: 'secrets', namespaced: true },
  { group: '', versions: ['v1'], kind: 'Service', plural: 'services', namespaced: true },
  { group: '', versions: ['v1'], kind: 'Pod', plural: 'pods', namespaced: true },
  { group: 'apps', versions: ['v1'], kind: 'Deployment', plural: 'deployments', namespaced: true },
  { group: 'networking.k8s.io', versions: ['v1'], kind: 'NetworkPolicy', plural: 'networkpolicies', namespaced: true },
  { group: 'networking.k8s.io', versions: ['v1'], kind: 'Ingress', plural: 'ingresses', namespaced: true },
];

export type TFakeVerb = 'GET' | 'LIST' | 'PATCH' | 'DELETE';

/** What a request is about, for failure rules and the request log. */
export interface TFakeRequestInfo {
  verb: TFakeVerb | 'DISCOVERY' | 'OTHER';
  method: string;
  path: string;
  query: Record<string, string>;
  contentType?: string;
  kind?: string;
  group?: string;
  plural?: string;
  name?: string;
  namespace?: string;
  dryRun: boolean;
  fieldManager?: string;
  force?: boolean;
  authorization?: string;
}

export interface TRecordedRequest extends Omit<TFakeRequestInfo, 'authorization'> {
  status: number;
}

/** A failure to inject: the first rule matching a request answers it with a Status. */
export interface TFailureRule {
  verb?: TFakeVerb;
  kind?: string;
  name?: string;
  namespace?: string;
  /** Match only dry-run requests (true) or only real ones (false). */
  dryRun?: boolean;
  /** Fire on the n-th matching request only (1-based). */
  nth?: number;
  /** Fire at most this many times. */
  times?: number;
  status: number;
  reason?: string;
  message: string | ((req: TFakeRequestInfo) => string);
}

/** Which request {@link FakeKubeApiServer.hold} keeps waiting: the first (or the n-th) matching one. */
export type THoldRule = Pick<TFailureRule, 'verb' | 'kind' | 'name' | 'namespace' | 'dryRun' | 'nth'>;

/** A held request: `reached` resolves once it has arrived (and waits); `release()` lets it go on. */
export interface TFakeHold {
  reached: Promise<Omit<TFakeRequestInfo, 'authorization'>>;
  release(): void;
}

export interface TFakeApiServerOptions {
  /** The bearer token the double accepts (default: a random one). */
  token?: string;
  /** CRD kinds served besides the built-in ones. */
  kinds?: TFakeKind[];
  /** Serve HTTPS (default true; falls back to HTTP when openssl is missing). */
  tls?: boolean;
  /** New Deployments report all replicas available at once (default true). */
  deploymentsReady?: boolean;
}

interface TOwner {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fields: Set<string>;
}

interface TStored {
  obj: TObj;
  kind: TFakeKind;
  owners: Map<string, TOwner>;
}

/** A JSON object as stored and served (deliberately loose: the double checks shapes itself). */
type TObj = Record<string, any>;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

const SERVER_META = ['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'selfLink', 'deletionTimestamp'];
const NS_DEFAULTS = ['default', 'kube-system', 'kube-public'];

export class FakeKubeApiServer {
  readonly token: string;
  /** Every request, in order (the Authorization header left out). */
  readonly requests: TRecordedRequest[] = [];
  private readonly kinds: TFakeKind[];
  private readonly store = new Map<string, TStored>();
  private readonly failures: { rule: TFailureRule; seen: number; fired: number }[] = [];
  private readonly holds: { rule: THoldRule; seen: number; arrived: (info: Omit<TFakeRequestInfo, 'authorization'>) => void; released: Promise<void>; release: () => void; done: boolean }[] = [];
  private resourceVersion = 1000;
  private clusterIp = 10;
  private url_ = '';
  private caPem?: string;
  private readonly dir: string;

  private constructor(
    private readonly server: http.Server | https.Server,
    private readonly options: TFakeApiServerOptions,
    dir: string,
    caPem: string | undefined,
  ) {
    this.token = options.token ?? `fake-token-${randomUUID()}`;
    this.kinds = [...CORE_KINDS, ...(options.kinds ?? [])];
    this.dir = dir;
    this.caPem = caPem;
    for (const ns of NS_DEFAULTS) this.createNamespace(ns, {});
  }

  /** Starts a double on a free loopback port. */
  static async start(options: TFakeApiServerOptions = {}): Promise<FakeKubeApiServer> {
    const dir = mkdtempSync(path.join(tmpdir(), 'meshloom-fake-kube-'));
    let tls: { key: string; cert: string } | undefined;
    if (options.tls !== false) tls = selfSignedCertificate(dir);
    let double: FakeKubeApiServer | undefined;
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => double!.handle(req, res);
    const server = tls ? https.createServer({ key: tls.key, cert: tls.cert }, handler) : http.createServer(handler);
    double = new FakeKubeApiServer(server, options, dir, tls?.cert);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    double.url_ = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
    return double;
  }

  get url(): string {
    return this.url_;
  }

  async close(): Promise<void> {
    for (const h of this.holds) h.release();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      (this.server as http.Server).closeAllConnections?.();
    });
    rmSync(this.dir, { recursive: true, force: true });
  }

  /**
   * Writes a kubeconfig for this double (bearer token, the double's CA) and returns its path.
   * `contexts` adds more contexts on the same cluster; `token` overrides the user's token.
   */
  writeKubeconfig(options: { file?: string; token?: string; contexts?: string[]; currentContext?: string | null } = {}): string {
    const file = options.file ?? path.join(this.dir, `kubeconfig-${randomUUID().slice(0, 8)}.yaml`);
    const cluster: Record<string, unknown> = { server: this.url };
    if (this.caPem) cluster['certificate-authority-data'] = Buffer.from(this.caPem).toString('base64');
    else cluster['insecure-skip-tls-verify'] = true;
    const contexts = ['fake', ...(options.contexts ?? [])];
    const config = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'fake-cluster', cluster }],
      users: [{ name: 'fake-user', user: { token: options.token ?? this.token } }],
      contexts: contexts.map((name) => ({ name, context: { cluster: 'fake-cluster', user: 'fake-user', namespace: 'default' } })),
      ...(options.currentContext === null ? {} : { 'current-context': options.currentContext ?? 'fake' }),
    };
    writeFileSync(file, stringify(config));
    return file;
  }

  /** Serves more CRD kinds from now on. */
  installKinds(kinds: TFakeKind[]): void {
    for (const k of kinds) if (!this.findKind(k.group, k.kind)) this.kinds.push(k);
  }

  // ---------------------------------------------------------------- inspecting and changing the stored state

  /** Every stored object (copies, with managedFields), optionally of one kind. */
  objects(kind?: string): TObj[] {
    return [...this.store.values()].filter((s) => !kind || s.kind.kind === kind).map((s) => this.present(s, s.kind.versions[0]!));
  }

  /** One stored object (a copy), or undefined. */
  getObject(kind: string, name: string, namespace?: string): TObj | undefined {
    const s = this.find(kind, name, namespace);
    return s ? this.present(s, s.kind.versions[0]!) : undefined;
  }

  /** Stores an object as another client would have created it (an Update by `manager`). */
  seed(obj: TObj, manager = 'kubectl-create'): TObj {
    const [group, version] = splitGv(obj.apiVersion);
    const kind = this.findKind(group, obj.kind);
    if (!kind || !kind.versions.includes(version)) throw new Error(`the double does not serve ${obj.apiVersion} ${obj.kind}`);
    const ns = kind.namespaced ? (obj.metadata.namespace ?? 'default') : undefined;
    if (kind.kind === 'Namespace') {
      this.createNamespace(obj.metadata.name, obj);
      return this.getObject('Namespace', obj.metadata.name)!;
    }
    const stored: TStored = { obj: clone(obj), kind, owners: new Map() };
    if (ns) stored.obj.metadata.namespace = ns;
    this.stamp(stored, undefined);
    stored.owners.set(`${manager}|Update`, { manager, operation: 'Update', apiVersion: obj.apiVersion, time: now(), fields: leafPaths(configOf(stored.obj)) });
    this.store.set(storeKey(kind, ns, obj.metadata.name), stored);
    return this.present(stored, version);
  }

  /** Changes a stored object as `manager` would with an update (e.g. `kubectl edit`): it takes over the fields it changes. */
  edit(kind: string, name: string, namespace: string | undefined, mutate: (obj: TObj) => void, manager = 'kubectl-edit'): void {
    const s = this.find(kind, name, namespace);
    if (!s) throw new Error(`no ${kind} ${namespace ?? ''}/${name} in the double`);
    const before = leafValues(configOf(s.obj));
    const previous = clone(s.obj);
    mutate(s.obj);
    const after = leafValues(configOf(s.obj));
    const changed = new Set<string>();
    for (const [p, v] of after) if (!before.has(p) || JSON.stringify(before.get(p)) !== JSON.stringify(v)) changed.add(p);
    for (const p of before.keys()) if (!after.has(p)) changed.add(p);
    for (const o of s.owners.values()) for (const p of changed) o.fields.delete(p);
    const key = `${manager}|Update`;
    const mine = s.owners.get(key) ?? { manager, operation: 'Update' as const, apiVersion: `${s.kind.group ? `${s.kind.group}/` : ''}${s.kind.versions[0]}`, time: now(), fields: new Set<string>() };
    for (const p of changed) if (after.has(p)) mine.fields.add(p);
    s.owners.set(key, mine);
    this.stamp(s, previous);
  }

  /** Sets a Deployment's status (what its controller would report). */
  setDeploymentStatus(name: string, namespace: string, status: TObj): void {
    const s = this.find('Deployment', name, namespace);
    if (!s) throw new Error(`no Deployment ${namespace}/${name} in the double`);
    s.obj.status = clone(status);
    s.obj.metadata.resourceVersion = String(++this.resourceVersion);
  }

  /** Removes an object behind everyone's back (as if someone deleted it). */
  remove(kind: string, name: string, namespace?: string): void {
    const s = this.find(kind, name, namespace);
    if (s) this.deleteStored(s);
  }

  /** Injects a failure (see {@link TFailureRule}). */
  fail(rule: TFailureRule): void {
    this.failures.push({ rule, seen: 0, fired: 0 });
  }

  /** 422 Invalid for the n-th real (not dry-run) apply. */
  rejectApply(nth: number, message = 'admission webhook "validate.fake" denied the request: spec is invalid'): void {
    this.fail({ verb: 'PATCH', dryRun: false, nth, status: 422, reason: 'Invalid', message });
  }

  /** 403 Forbidden for every request about a kind (optionally only some verbs). */
  forbidKind(kind: string, verbs: TFakeVerb[] = ['GET', 'LIST', 'PATCH', 'DELETE']): void {
    for (const verb of verbs) {
      this.fail({
        verb,
        kind,
        status: 403,
        reason: 'Forbidden',
        message: (r) =>
          `${r.plural}${r.group ? `.${r.group}` : ''}${r.name ? ` "${r.name}"` : ''} is forbidden: User "system:serviceaccount:meshloom:deployer" cannot ${verb.toLowerCase()} resource "${r.plural}" in API group "${r.group ?? ''}"${r.namespace ? ` in the namespace "${r.namespace}"` : ''}`,
      });
    }
  }

  /**
   * TEST HOOK (no such thing in Kubernetes): the first request matching `rule` (the n-th with
   * `nth`) waits before it is answered or changes anything, until `release()` (or `close()`).
   * Requests that do not match are served as usual meanwhile. Matching is as for {@link fail}.
   */
  hold(rule: THoldRule): TFakeHold {
    let arrived!: (info: Omit<TFakeRequestInfo, 'authorization'>) => void;
    const reached = new Promise<Omit<TFakeRequestInfo, 'authorization'>>((resolve) => (arrived = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    this.holds.push({ rule, seen: 0, arrived, released, release, done: false });
    return { reached, release };
  }

  clearFailures(): void {
    this.failures.length = 0;
  }

  clearRequests(): void {
    this.requests.length = 0;
  }

  // ---------------------------------------------------------------- HTTP

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://x');
    const query = Object.fromEntries(url.searchParams.entries());
    const info: TFakeRequestInfo = {
      verb: 'OTHER',
      method: req.method ?? 'GET',
      path: url.pathname,
      query,
      contentType: req.headers['content-type'],
      dryRun: query.dryRun === 'All',
      fieldManager: query.fieldManager,
      force: query.force === 'true',
      authorization: req.headers.authorization,
    };
    let status = 500;
    let payload: unknown;
    try {
      [status, payload] = await this.route(info, body);
    } catch (e) {
      if (e instanceof HttpError) {
        status = e.status;
        payload = statusBody(e.status, e.reason, e.message);
      } else {
        status = 500;
        payload = statusBody(500, 'InternalError', e instanceof Error ? e.message : String(e));
      }
    }
    const { authorization: _a, ...logged } = info;
    this.requests.push({ ...logged, status });
    const text = JSON.stringify(payload);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  private async route(info: TFakeRequestInfo, body: string): Promise<[number, unknown]> {
    if (info.path === '/version') return [200, { major: '1', minor: '34', gitVersion: 'v1.34.0-fake' }];
    if (info.authorization !== `Bearer ${this.token}`) throw new HttpError(401, 'Unauthorized', 'Unauthorized');
    const parts = info.path.split('/').filter(Boolean).map(decodeURIComponent);
    // Discovery.
    if (parts.length === 1 && parts[0] === 'api') {
      info.verb = 'DISCOVERY';
      return [200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1:6443' }] }];
    }
    if (parts.length === 1 && parts[0] === 'apis') {
      info.verb = 'DISCOVERY';
      return [200, this.groupList()];
    }
    let group: string;
    let version: string;
    let rest: string[];
    if (parts[0] === 'api' && parts.length >= 2) [group, version, rest] = ['', parts[1]!, parts.slice(2)];
    else if (parts[0] === 'apis' && parts.length >= 3) [group, version, rest] = [parts[1]!, parts[2]!, parts.slice(3)];
    else throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    const served = this.kinds.filter((k) => k.group === group && k.versions.includes(version));
    if (!served.length) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    const gv = group ? `${group}/${version}` : version;
    if (rest.length === 0) {
      info.verb = 'DISCOVERY';
      return [200, resourceList(gv, served)];
    }
    // Object paths.
    let namespace: string | undefined;
    let plural: string;
    let name: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) [namespace, plural, name] = [rest[1], rest[2]!, rest[3]];
    else [plural, name] = [rest[0]!, rest[1]];
    if (rest.length > 4 || (rest[0] !== 'namespaces' && rest.length > 2)) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    const kind = served.find((k) => k.plural === plural);
    if (!kind) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    if (!kind.namespaced && namespace) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    if (kind.namespaced && name && !namespace) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    Object.assign(info, { kind: kind.kind, group, plural, name, namespace });
    const method = info.method;
    info.verb = method === 'GET' ? (name ? 'GET' : 'LIST') : method === 'PATCH' ? 'PATCH' : method === 'DELETE' ? 'DELETE' : 'OTHER';
    await this.held(info);
    this.injected(info);
    if (method === 'GET' && name) return [200, this.present(this.mustFind(kind, namespace, name), version)];
    if (method === 'GET') return [200, this.list(kind, gv, version, namespace, info.query.labelSelector)];
    if (method === 'PATCH' && name) return this.apply(kind, gv, version, namespace, name, body, info);
    if (method === 'DELETE' && name) return this.delete(kind, version, namespace, name, info.dryRun);
    throw new HttpError(405, 'MethodNotAllowed', `the double does not serve ${method} ${info.path}`);
  }

  /** Waits while a {@link hold} keeps this request. */
  private async held(info: TFakeRequestInfo): Promise<void> {
    for (const h of this.holds) {
      if (h.done || !matches(h.rule, info)) continue;
      h.seen++;
      if (h.rule.nth !== undefined && h.seen !== h.rule.nth) continue;
      h.done = true;
      const { authorization: _a, ...copy } = info;
      h.arrived(copy);
      await h.released;
      return;
    }
  }

  private injected(info: TFakeRequestInfo): void {
    for (const f of this.failures) {
      const r = f.rule;
      if (r.verb && r.verb !== info.verb) continue;
      if (r.kind && r.kind !== info.kind) continue;
      if (r.name && r.name !== info.name) continue;
      if (r.namespace && r.namespace !== info.namespace) continue;
      if (r.dryRun !== undefined && r.dryRun !== info.dryRun) continue;
      f.seen++;
      if (r.nth !== undefined && f.seen !== r.nth) continue;
      if (r.times !== undefined && f.fired >= r.times) continue;
      f.fired++;
      throw new HttpError(r.status, r.reason ?? reasonFor(r.status), typeof r.message === 'function' ? r.message(info) : r.message);
    }
  }

  // ---------------------------------------------------------------- verbs

  private list(kind: TFakeKind, gv: string, version: string, namespace: string | undefined, selector: string | undefined): TObj {
    const match = parseSelector(selector);
    const items = [...this.store.values()]
      .filter((s) => s.kind === kind && (!namespace || s.obj.metadata.namespace === namespace) && match(s.obj.metadata.labels ?? {}))
      .sort((a, b) => `${a.obj.metadata.namespace ?? ''}/${a.obj.metadata.name}`.localeCompare(`${b.obj.metadata.namespace ?? ''}/${b.obj.metadata.name}`))
      .map((s) => {
        const o = this.present(s, version);
        // The real server leaves type metadata out of the items of built-in kinds.
        if (CORE_KINDS.includes(kind)) {
          delete o.apiVersion;
          delete o.kind;
        }
        return o;
      });
    return { apiVersion: gv, kind: `${kind.kind}List`, metadata: { resourceVersion: String(this.resourceVersion) }, items };
  }

  private apply(kind: TFakeKind, gv: string, version: string, namespace: string | undefined, name: string, body: string, info: TFakeRequestInfo): [number, TObj] {
    if (info.contentType !== 'application/apply-patch+yaml') throw new HttpError(415, 'UnsupportedMediaType', `the double only serves server-side apply patches, not ${info.contentType}`);
    const manager = info.fieldManager;
    if (!manager) throw new HttpError(400, 'BadRequest', 'fieldManager is required for apply requests');
    let config: TObj;
    try {
      // JSON is YAML; JSON.parse is just much faster.
      config = (/^\s*\{/.test(body) ? JSON.parse(body) : parseYaml(body)) as TObj;
    } catch (e) {
      throw new HttpError(400, 'BadRequest', `error decoding YAML: ${(e as Error).message}`);
    }
    if (!config || typeof config !== 'object') throw new HttpError(400, 'BadRequest', 'the body is not an object');
    if (config.apiVersion !== gv || config.kind !== kind.kind) {
      throw new HttpError(400, 'BadRequest', `the API version in the data (${config.apiVersion}) and kind (${config.kind}) do not match the request (${gv}, ${kind.kind})`);
    }
    if (config.metadata?.name !== name) throw new HttpError(400, 'BadRequest', `the name of the object (${config.metadata?.name}) does not match the name on the URL (${name})`);
    if (kind.namespaced && config.metadata?.namespace && config.metadata.namespace !== namespace) {
      throw new HttpError(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
    }
    if (kind.namespaced && !this.find('Namespace', namespace!)) throw new HttpError(404, 'NotFound', `namespaces "${namespace}" not found`);
    const existing = this.store.get(storeKey(kind, namespace, name));
    const stored: TStored = existing
      ? { obj: clone(existing.obj), kind, owners: cloneOwners(existing.owners) }
      : { obj: { apiVersion: gv, kind: kind.kind, metadata: { name, ...(namespace ? { namespace } : {}) } }, kind, owners: new Map() };
    const applied = configOf(config);
    const next = leafPaths(applied);
    const me = `${manager}|Apply`;
    const before = stored.owners.get(me)?.fields ?? new Set<string>();
    const conflicts: string[] = [];
    for (const p of next) {
      const segs = JSON.parse(p) as string[];
      const value = getAt(applied, segs);
      for (const [key, owner] of stored.owners) {
        if (key === me || !owner.fields.has(p)) continue;
        if (JSON.stringify(getAt(stored.obj, segs)) === JSON.stringify(value)) continue;
        if (info.force) owner.fields.delete(p);
        else conflicts.push(`conflict with "${owner.manager}": .${segs.join('.')}`);
      }
      setAt(stored.obj, segs, clone(value));
    }
    if (conflicts.length) throw new HttpError(409, 'Conflict', `Apply failed with ${conflicts.length} conflict${conflicts.length === 1 ? '' : 's'}: ${conflicts.join(', ')}`);
    for (const p of before) {
      if (next.has(p)) continue;
      if ([...stored.owners].some(([key, o]) => key !== me && o.fields.has(p))) continue;
      deleteAt(stored.obj, JSON.parse(p) as string[]);
    }
    stored.owners.set(me, { manager, operation: 'Apply', apiVersion: gv, time: now(), fields: next });
    for (const [key, o] of stored.owners) if (o.fields.size === 0) stored.owners.delete(key);
    this.stamp(stored, existing?.obj);
    if (existing && sameState(existing, stored)) return [200, this.present(existing, version)];
    if (!info.dryRun) {
      if (kind.kind === 'Namespace' && !existing) this.createNamespace(name, stored.obj, stored);
      else this.store.set(storeKey(kind, namespace, name), stored);
    }
    return [existing ? 200 : 201, this.present(stored, version)];
  }

  private delete(kind: TFakeKind, version: string, namespace: string | undefined, name: string, dryRun: boolean): [number, TObj] {
    const s = this.mustFind(kind, namespace, name);
    const out = this.present(s, version);
    if (!dryRun) this.deleteStored(s);
    if (kind.kind === 'Namespace') out.status = { phase: 'Terminating' };
    return [200, out];
  }

  // ---------------------------------------------------------------- storage

  private deleteStored(s: TStored): void {
    this.store.delete(storeKey(s.kind, s.obj.metadata.namespace, s.obj.metadata.name));
    if (s.kind.kind === 'Namespace') {
      for (const [key, other] of this.store) if (other.obj.metadata.namespace === s.obj.metadata.name) this.store.delete(key);
    }
    this.resourceVersion++;
  }

  /** A namespace and what Kubernetes puts in every namespace. */
  private createNamespace(name: string, obj: TObj, stored?: TStored): void {
    const kind = this.findKind('', 'Namespace')!;
    const s: TStored = stored ?? { obj: { ...clone(obj), apiVersion: 'v1', kind: 'Namespace', metadata: { ...clone(obj.metadata ?? {}), name } }, kind, owners: new Map() };
    if (!stored) this.stamp(s, undefined);
    this.store.set(storeKey(kind, undefined, name), s);
    const controller = (o: TObj): TStored => {
      const k = this.findKind('', o.kind)!;
      const st: TStored = { obj: o, kind: k, owners: new Map([['kube-controller-manager|Update', { manager: 'kube-controller-manager', operation: 'Update', apiVersion: 'v1', time: now(), fields: leafPaths(configOf(o)) }]]) };
      this.stamp(st, undefined);
      return st;
    };
    const cm = controller({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', namespace: name }, data: { 'ca.crt': 'fake CA' } });
    const sa = controller({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: name } });
    this.store.set(storeKey(cm.kind, name, 'kube-root-ca.crt'), cm);
    this.store.set(storeKey(sa.kind, name, 'default'), sa);
  }

  /** Server-set metadata and defaults, after a change. */
  private stamp(s: TStored, before: TObj | undefined): void {
    const m = s.obj.metadata;
    m.uid = before?.metadata?.uid ?? randomUUID();
    m.creationTimestamp = before?.metadata?.creationTimestamp ?? now();
    const specBefore = before ? JSON.stringify(withoutMeta(before)) : undefined;
    this.defaults(s, before);
    const specChanged = specBefore === undefined || specBefore !== JSON.stringify(withoutMeta(s.obj));
    if (s.kind.kind !== 'Namespace') m.generation = (before?.metadata?.generation ?? 0) + (specChanged ? 1 : 0);
    if (s.kind.kind === 'Deployment' && (specChanged || !s.obj.status)) s.obj.status = this.deploymentStatus(s.obj);
    m.resourceVersion = before && JSON.stringify(before) === JSON.stringify(s.obj) ? before.metadata.resourceVersion : String(++this.resourceVersion);
  }

  private defaults(s: TStored, before: TObj | undefined): void {
    const o = s.obj;
    if (s.kind.kind === 'Namespace') {
      o.metadata.labels = { ...o.metadata.labels, 'kubernetes.io/metadata.name': o.metadata.name };
      o.spec = { finalizers: ['kubernetes'], ...o.spec };
      o.status = { phase: 'Active' };
    }
    if (s.kind.kind === 'Service') {
      o.spec ??= {};
      o.spec.type ??= 'ClusterIP';
      o.spec.sessionAffinity ??= 'None';
      // An update keeps the allocated address when the new spec leaves it out (as the real registry does).
      if (o.spec.type === 'ClusterIP' && !o.spec.clusterIP && before?.spec?.clusterIP) {
        o.spec.clusterIP = before.spec.clusterIP;
        o.spec.clusterIPs = before.spec.clusterIPs;
      }
      if (o.spec.type === 'ClusterIP' && !o.spec.clusterIP) {
        o.spec.clusterIP = `10.96.0.${this.clusterIp++}`;
        o.spec.clusterIPs = [o.spec.clusterIP];
      }
      for (const p of o.spec.ports ?? []) {
        p.protocol ??= 'TCP';
        p.targetPort ??= p.port;
      }
    }
    if (s.kind.kind === 'Deployment') {
      o.spec ??= {};
      o.spec.replicas ??= 1;
      o.spec.revisionHistoryLimit ??= 10;
      o.spec.progressDeadlineSeconds ??= 600;
      o.spec.strategy ??= { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } };
    }
  }

  private deploymentStatus(o: TObj): TObj {
    const replicas = o.spec?.replicas ?? 1;
    const generation = (o.metadata.generation as number | undefined) ?? 1;
    if (this.options.deploymentsReady === false) {
      return {
        observedGeneration: generation,
        replicas,
        updatedReplicas: replicas,
        unavailableReplicas: replicas,
        conditions: [
          { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable' },
          { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated' },
        ],
      };
    }
    return {
      observedGeneration: generation,
      replicas,
      updatedReplicas: replicas,
      readyReplicas: replicas,
      availableReplicas: replicas,
      conditions: [
        { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' },
        { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' },
      ],
    };
  }

  /** The object as the API returns it: in the asked version, with managedFields. */
  private present(s: TStored, version: string): TObj {
    const o = clone(s.obj);
    o.apiVersion = s.kind.group ? `${s.kind.group}/${version}` : version;
    const managedFields = [...s.owners.values()].map((w) => ({ manager: w.manager, operation: w.operation, apiVersion: w.apiVersion, time: w.time, fieldsType: 'FieldsV1', fieldsV1: fieldsV1(w.fields) }));
    o.metadata = { ...o.metadata, managedFields };
    return o;
  }

  private groupList(): TObj {
    const groups = new Map<string, string[]>();
    for (const k of this.kinds) {
      if (!k.group) continue;
      const vs = groups.get(k.group) ?? [];
      for (const v of k.versions) if (!vs.includes(v)) vs.push(v);
      groups.set(k.group, vs);
    }
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [...groups].map(([name, versions]) => ({
        name,
        versions: versions.map((version) => ({ groupVersion: `${name}/${version}`, version })),
        preferredVersion: { groupVersion: `${name}/${versions[0]}`, version: versions[0] },
      })),
    };
  }

  private findKind(group: string, kind: string): TFakeKind | undefined {
    return this.kinds.find((k) => k.group === group && k.kind === kind);
  }

  private find(kind: string, name: string, namespace?: string): TStored | undefined {
    for (const s of this.store.values()) {
      if (s.kind.kind === kind && s.obj.metadata.name === name && (s.obj.metadata.namespace ?? undefined) === (s.kind.namespaced ? (namespace ?? 'default') : undefined)) return s;
    }
    return undefined;
  }

  private mustFind(kind: TFakeKind, namespace: string | undefined, name: string): TStored {
    const s = this.store.get(storeKey(kind, namespace, name));
    if (!s) throw new HttpError(404, 'NotFound', `${kind.plural}${kind.group ? `.${kind.group}` : ''} "${name}" not found`);
    return s;
  }
}

// ---------------------------------------------------------------- helpers

function selfSignedCertificate(dir: string): { key: string; cert: string } | undefined {
  const key = path.join(dir, 'server.key');
  const cert = path.join(dir, 'server.crt');
  const run = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
    { encoding: 'utf8', timeout: 20_000 },
  );
  if (run.status !== 0) {
    console.info('fake-api-server: openssl is not available, serving plain HTTP (insecure-skip-tls-verify) instead of HTTPS');
    return undefined;
  }
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
}

function matches(rule: THoldRule, info: TFakeRequestInfo): boolean {
  if (rule.verb && rule.verb !== info.verb) return false;
  if (rule.kind && rule.kind !== info.kind) return false;
  if (rule.name && rule.name !== info.name) return false;
  if (rule.namespace && rule.namespace !== info.namespace) return false;
  return rule.dryRun === undefined || rule.dryRun === info.dryRun;
}

function statusBody(code: number, reason: string, message: string): TObj {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

function reasonFor(status: number): string {
  return ({ 400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 409: 'Conflict', 422: 'Invalid', 500: 'InternalError', 503: 'ServiceUnavailable' } as Record<number, string>)[status] ?? 'Unknown';
}

function resourceList(gv: string, kinds: TFakeKind[]): TObj {
  const verbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: gv,
    resources: kinds.flatMap((k) => [
      { name: k.plural, singularName: k.kind.toLowerCase(), namespaced: k.namespaced, kind: k.kind, verbs },
      ...(k.kind === 'Deployment' || k.kind === 'Namespace' || k.kind === 'Service' ? [{ name: `${k.plural}/status`, singularName: '', namespaced: k.namespaced, kind: k.kind, verbs: ['get', 'patch', 'update'] }] : []),
    ]),
  };
}

function splitGv(apiVersion: string): [string, string] {
  const i = apiVersion.indexOf('/');
  return i < 0 ? ['', apiVersion] : [apiVersion.slice(0, i), apiVersion.slice(i + 1)];
}

function storeKey(kind: TFakeKind, namespace: string | undefined, name: string): string {
  return `${kind.group}|${kind.kind}|${kind.namespaced ? (namespace ?? '') : ''}|${name}`;
}

function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

function cloneOwners(owners: Map<string, TOwner>): Map<string, TOwner> {
  return new Map([...owners].map(([k, o]) => [k, { ...o, fields: new Set(o.fields) }]));
}

/** What a manager can own: the object without apiVersion, kind, status and server metadata. */
function configOf(obj: TObj): TObj {
  const out: TObj = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'apiVersion' || k === 'kind' || k === 'status') continue;
    if (k === 'metadata') {
      const meta: TObj = {};
      for (const [mk, mv] of Object.entries(v as TObj)) if (!SERVER_META.includes(mk)) meta[mk] = mv;
      if (Object.keys(meta).length) out.metadata = meta;
      continue;
    }
    out[k] = v;
  }
  return out;
}

function withoutMeta(obj: TObj): TObj {
  const { metadata: _m, status: _s, ...rest } = obj;
  return rest;
}

function isPlainObject(v: unknown): v is TObj {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** Leaf paths (JSON arrays of keys): maps are walked, lists and scalars are leaves (atomic). */
function leafPaths(value: TObj): Set<string> {
  return new Set(leafValues(value).keys());
}

function leafValues(value: TObj): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const walk = (v: unknown, prefix: string[]) => {
    if (isPlainObject(v) && Object.keys(v).length > 0) {
      for (const [k, child] of Object.entries(v)) walk(child, [...prefix, k]);
    } else if (prefix.length) out.set(JSON.stringify(prefix), v);
  };
  walk(value, []);
  return out;
}

function getAt(obj: TObj, segs: string[]): unknown {
  let cur: unknown = obj;
  for (const s of segs) {
    if (!isPlainObject(cur)) return undefined;
    cur = cur[s];
  }
  return cur;
}

function setAt(obj: TObj, segs: string[], value: unknown): void {
  let cur = obj;
  for (const s of segs.slice(0, -1)) {
    if (!isPlainObject(cur[s])) cur[s] = {};
    cur = cur[s] as TObj;
  }
  cur[segs[segs.length - 1]!] = value;
}

/** Removes a field and the maps it leaves empty. */
function deleteAt(obj: TObj, segs: string[]): void {
  const chain: TObj[] = [obj];
  for (const s of segs.slice(0, -1)) {
    const next = chain[chain.length - 1]![s];
    if (!isPlainObject(next)) return;
    chain.push(next);
  }
  delete chain[chain.length - 1]![segs[segs.length - 1]!];
  for (let i = chain.length - 1; i > 0; i--) {
    if (Object.keys(chain[i]!).length > 0) break;
    delete chain[i - 1]![segs[i - 1]!];
  }
}

/** FieldsV1 of a set of leaf paths: `{"f:spec":{"f:replicas":{}}}`. */
function fieldsV1(fields: Set<string>): TObj {
  const out: TObj = {};
  for (const p of fields) {
    let cur = out;
    for (const s of JSON.parse(p) as string[]) {
      const k = `f:${s}`;
      cur[k] ??= {};
      cur = cur[k] as TObj;
    }
  }
  return out;
}

function sameState(a: TStored, b: TStored): boolean {
  const strip = (s: TStored) => {
    const o = clone(s.obj);
    delete o.metadata.resourceVersion;
    return JSON.stringify(o) + JSON.stringify([...s.owners].map(([k, w]) => [k, [...w.fields].sort()]));
  };
  return strip(a) === strip(b);
}

/** Equality-based and existence label selectors (`a=b,c!=d,e,!f`); anything else is a 400. */
function parseSelector(selector: string | undefined): (labels: Record<string, string>) => boolean {
  if (!selector) return () => true;
  const terms = selector.split(',').map((t) => t.trim()).filter(Boolean).map((t) => {
    let m: RegExpExecArray | null;
    if ((m = /^([\w./-]+)\s*!=\s*([\w.-]*)$/.exec(t))) return (l: Record<string, string>) => l[m![1]!] !== m![2];
    if ((m = /^([\w./-]+)\s*==?\s*([\w.-]*)$/.exec(t))) return (l: Record<string, string>) => l[m![1]!] === m![2];
    if ((m = /^!([\w./-]+)$/.exec(t))) return (l: Record<string, string>) => !Object.hasOwn(l, m![1]!);
    if ((m = /^([\w./-]+)$/.exec(t))) return (l: Record<string, string>) => Object.hasOwn(l, m![1]!);
    throw new HttpError(400, 'BadRequest', `unable to parse requirement: ${t}`);
  });
  return (labels) => terms.every((f) => f(labels));
}
