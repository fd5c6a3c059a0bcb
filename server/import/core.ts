/**
 * The importer's shared machinery: manifests, the import context that collects services,
 * routes, policies and overrides, and small value converters. Pure: no fs, no network.
 */
import { DURATION_RE, NAME_RE, type TMeshId } from '../../patterns/language/index';
import { IMPORT_CODE_SEVERITY, type TImportCode, type TImportDiagnostic } from './codes';

export type TPath = (string | number)[];
export type TRecord = Record<string, unknown>;

/** A Kubernetes-style object read from an input. */
export interface TManifest {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  labels: Record<string, string>;
  spec: TRecord;
  /** The object as written (status and server-set metadata removed). */
  raw: TRecord;
  file: string;
  line?: number;
  /** Set for objects that came out of a Meshery design. */
  via?: 'meshery';
}

export function isRecord(v: unknown): v is TRecord {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
export function rec(v: unknown): TRecord {
  return isRecord(v) ? v : {};
}
export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}
export function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim())) return Number(v);
  return undefined;
}
export function strMap(v: unknown): Record<string, string> | undefined {
  if (!isRecord(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    const s = str(x);
    if (s !== undefined) out[k] = s;
  }
  return out;
}
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isRecord(a) && isRecord(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}
/** Drops undefined values (shallow), so zod strict objects and deepEqual see clean objects. */
export function clean<T extends TRecord>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

/** A DNS-1123 label from any text (`productpage.dr` → `productpage-dr`). */
export function slugify(text: string): string {
  const s = text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/g, '');
  return s || 'imported';
}
export function isName(s: string | undefined): s is string {
  return s !== undefined && s.length <= 63 && NAME_RE.test(s);
}

/** A pattern duration from `2s`, `1.5s`, `500ms`, `1m30s`, a number of seconds or `{seconds, nanos}`. */
export function toDuration(v: unknown, unitForNumbers: 's' | 'ms' = 's'): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return `${v}${unitForNumbers}`;
  if (isRecord(v) && (v.seconds !== undefined || v.nanos !== undefined)) {
    const ms = (num(v.seconds) ?? 0) * 1000 + (num(v.nanos) ?? 0) / 1e6;
    return `${Math.round(ms)}ms`;
  }
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  if (DURATION_RE.test(t)) return t;
  if (/^\d+(\.\d+)?$/.test(t)) return `${t}${unitForNumbers}`;
  // Go-style durations with µs/us/ns: round to milliseconds
  const m = /^(\d+(?:\.\d+)?)(us|µs|ns)$/.exec(t);
  if (m) {
    const ms = Number(m[1]) / (m[2] === 'ns' ? 1e6 : 1e3);
    return `${Math.max(1, Math.round(ms))}ms`;
  }
  return undefined;
}

/** Milliseconds of a pattern duration (for comparisons). */
export function durationMs(d: string | undefined): number | undefined {
  if (d === undefined) return undefined;
  let total = 0;
  for (const m of d.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    const n = Number(m[1]);
    total += m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : n * 3_600_000;
  }
  return total;
}

/**
 * Weights as integer percentages summing to 100 (largest remainder), from any non-negative
 * numbers; undefined entries count as `missingAs`.
 */
export function toPercentages(weights: (number | undefined)[], missingAs = 1): number[] {
  const w = weights.map((x) => (x === undefined || !Number.isFinite(x) || x < 0 ? missingAs : x));
  const sum = w.reduce((a, b) => a + b, 0);
  if (sum <= 0) return w.map((_, i) => (i === 0 ? 100 : 0));
  const exact = w.map((x) => (x * 100) / sum);
  const floor = exact.map(Math.floor);
  let rest = 100 - floor.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0]);
  for (const [, i] of order) {
    if (rest <= 0) break;
    floor[i] = (floor[i] ?? 0) + 1;
    rest--;
  }
  return floor;
}

/** SMI/Linkerd weights: numbers, or Kubernetes quantities like `500m`. */
export function quantity(v: unknown): number | undefined {
  const n = num(v);
  if (n !== undefined) return n;
  if (typeof v === 'string') {
    const m = /^(\d+(?:\.\d+)?)m$/.exec(v.trim());
    if (m) return Number(m[1]) / 1000;
  }
  return undefined;
}

const HOST_TLDS = new Set(['com', 'org', 'net', 'io', 'dev', 'app', 'cloud', 'co', 'ai', 'gov', 'edu', 'info', 'biz', 'us', 'uk', 'de', 'fr', 'eu', 'me', 'example', 'local', 'internal']);

/** Which mesh a Kubernetes API group belongs to. */
export function meshOfApiVersion(apiVersion: string): TMeshId | 'kubernetes' | undefined {
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  if (group === 'gateway.networking.k8s.io' || group === 'gateway.networking.x-k8s.io') return 'gateway-api';
  if (group.endsWith('istio.io')) return 'istio';
  if (group.endsWith('linkerd.io')) return 'linkerd';
  if (group.endsWith('consul.hashicorp.com')) return 'consul';
  if (group === 'kuma.io' || group.endsWith('.kuma.io')) return 'kuma';
  if (group.endsWith('smi-spec.io')) return 'smi';
  if (group.endsWith('openservicemesh.io')) return 'osm';
  if (group === '' || !group.includes('.') || group.endsWith('.k8s.io') || group.endsWith('.kubernetes.io')) return 'kubernetes';
  return undefined;
}

export const MESH_TITLES: Record<string, string> = {
  istio: 'Istio',
  linkerd: 'Linkerd',
  consul: 'Consul',
  kuma: 'Kuma',
  osm: 'Open Service Mesh',
  smi: 'SMI',
  'gateway-api': 'Gateway API',
  haproxy: 'HAProxy',
  kubernetes: 'Kubernetes',
  meshery: 'Meshery',
};

// ---------------------------------------------------------------------------------------------
// the import context

/** Drafts: plain objects in the pattern's input shape (validated at the end by parsePattern). */
export interface TServiceDraft {
  name: string;
  namespace?: string;
  protocol?: string;
  ports: { port: number; name?: string; protocol?: string; targetPort?: number }[];
  versions: Map<string, { name: string; labels?: Record<string, string>; replicas?: number; image?: string; locality?: string }>;
  labels?: Record<string, string>;
  /** Pod labels that select it (Kubernetes Service selector), to join workloads. */
  selector?: Record<string, string>;
  declared: boolean;
  inferredFrom?: { file: string; object: string };
}

export interface TItemOrigin {
  manifest: TManifest;
  mesh: TMeshId;
}

/** What a mapper works with for one object: diagnostics about it and its unmapped fields. */
export class ObjectScope {
  readonly unmappedPaths: TPath[] = [];
  keepWhole = false;
  constructor(
    readonly ctx: ImportContext,
    readonly manifest: TManifest,
    readonly mesh: TMeshId,
  ) {}

  get id(): string {
    return objectId(this.manifest);
  }

  diag(code: TImportCode, message: string, path?: TPath, severity?: TImportDiagnostic['severity']): void {
    this.ctx.diag(code, message, { file: this.manifest.file, object: this.id, path, line: this.manifest.line }, severity);
  }

  /** A field that has no pattern equivalent: reported, and kept under the mesh's overrides. */
  unmapped(path: TPath, why?: string): void {
    this.unmappedPaths.push(path);
    this.diag('ML5004', `${formatPath(path)} not mapped${why ? ` (${why})` : ''}; kept under spec.overrides.${this.mesh}`, path);
  }

  /** Reports keys of `o` outside `known` (and outside `ignored`) as unmapped. */
  known(o: TRecord, path: TPath, known: readonly string[], ignored: readonly string[] = []): void {
    for (const k of Object.keys(o)) {
      if (known.includes(k) || ignored.includes(k) || o[k] === undefined || o[k] === null) continue;
      this.unmapped([...path, k]);
    }
  }

  origin(): TItemOrigin {
    return { manifest: this.manifest, mesh: this.mesh };
  }
}

export function formatPath(path: TPath): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s ? `.${p}` : p;
  return s;
}

export function objectId(m: Pick<TManifest, 'kind' | 'namespace' | 'name'>): string {
  return `${m.kind}/${m.namespace ?? 'default'}/${m.name}`;
}

export class ImportContext {
  readonly diagnostics: TImportDiagnostic[] = [];
  readonly services = new Map<string, TServiceDraft>();
  readonly gateways: { item: TRecord; origin: TItemOrigin }[] = [];
  readonly externalServices: { item: TRecord; origin: TItemOrigin; hosts: string[] }[] = [];
  readonly routes: { item: TRecord; origin: TItemOrigin }[] = [];
  readonly policies: { item: TRecord; origin: TItemOrigin }[] = [];
  readonly overrides = new Map<TMeshId, Map<string, TRecord>>();
  readonly meshesSeen = new Map<string, number>();
  /** Kubernetes service accounts → service names (from Deployments). */
  readonly serviceAccounts = new Map<string, string>();
  /** All manifests of the import, for cross-object lookups (route groups, servers, splitters…). */
  manifests: TManifest[] = [];
  objectsImported = 0;

  diag(code: TImportCode, message: string, where: Omit<TImportDiagnostic, 'code' | 'severity' | 'message'> = {}, severity?: TImportDiagnostic['severity']): void {
    const d: TImportDiagnostic = { code, severity: severity ?? IMPORT_CODE_SEVERITY[code], message };
    if (where.file !== undefined) d.file = where.file;
    if (where.object !== undefined) d.object = where.object;
    if (where.path !== undefined && where.path.length) d.path = where.path;
    if (where.line !== undefined) d.line = where.line;
    this.diagnostics.push(d);
  }

  seeMesh(mesh: string): void {
    this.meshesSeen.set(mesh, (this.meshesSeen.get(mesh) ?? 0) + 1);
  }

  /** The mesh most objects of this import belong to (for objects of unknown meshes). */
  closestMesh(): TMeshId {
    let best: TMeshId = 'istio';
    let n = 0;
    for (const [m, c] of this.meshesSeen) {
      if (m === 'kubernetes' || m === 'meshery') continue;
      if (c > n) {
        best = m as TMeshId;
        n = c;
      }
    }
    return best;
  }

  // -- services ------------------------------------------------------------------------------

  /** Declares a service (from a Kubernetes Service, a Consul ServiceDefaults…). */
  declareService(name: string, namespace?: string): TServiceDraft {
    let s = this.services.get(name);
    if (!s) {
      s = { name, ports: [], versions: new Map(), declared: true };
      if (namespace && namespace !== 'default') s.namespace = namespace;
      this.services.set(name, s);
    } else if (!s.declared) {
      s.declared = true;
      delete s.inferredFrom;
      if (namespace && namespace !== 'default') s.namespace = namespace;
    }
    return s;
  }

  /** A service some object refers to; inferred (ML5005 at the end) unless declared elsewhere. */
  referService(name: string, scope: ObjectScope | undefined, namespace?: string): TServiceDraft {
    if (this.externalByName(name)) return { name, ports: [], versions: new Map(), declared: true };
    let s = this.services.get(name);
    if (!s) {
      s = { name, ports: [], versions: new Map(), declared: false };
      if (namespace && namespace !== 'default') s.namespace = namespace;
      if (scope) s.inferredFrom = { file: scope.manifest.file, object: scope.id };
      this.services.set(name, s);
    }
    return s;
  }

  addVersion(service: TServiceDraft, version: string, extra: { labels?: Record<string, string>; replicas?: number; image?: string } = {}): void {
    const v = service.versions.get(version) ?? { name: version };
    if (extra.labels && !deepEqual(extra.labels, { version })) v.labels = extra.labels;
    if (extra.replicas !== undefined) v.replicas = extra.replicas;
    if (extra.image !== undefined) v.image = extra.image;
    service.versions.set(version, v);
  }

  externalByName(name: string) {
    return this.externalServices.find((e) => e.item.name === name);
  }
  externalByHost(host: string) {
    return this.externalServices.find((e) => e.hosts.some((h) => h === host || (h.startsWith('*.') && host.endsWith(h.slice(1)))));
  }

  /**
   * The service (or external service) a host names: `reviews`, `reviews.prod`,
   * `reviews.prod.svc.cluster.local`, or an external host (then an external service, inferred).
   */
  hostToService(host: string, scope: ObjectScope | undefined, defaultNamespace?: string): { name: string; namespace?: string; external: boolean } | undefined {
    const h = host.trim().toLowerCase();
    if (!h || h === '*') return undefined;
    const ext = this.externalByHost(h);
    if (ext) return { name: String(ext.item.name), external: true };
    const parts = h.split('.');
    const kube = /\.svc(\.cluster\.local)?$/.test(h) || /\.svc\.[a-z0-9.-]+$/.test(h);
    if (parts.length === 1 || kube || (parts.length === 2 && !HOST_TLDS.has(parts[1]!))) {
      const name = isName(parts[0]) ? parts[0] : slugify(parts[0]!);
      const ns = parts.length > 1 ? parts[1] : defaultNamespace;
      if (this.services.get(name)?.declared) return { name, external: false };
      if (scope) this.referService(name, scope, ns);
      return { name, namespace: ns, external: false };
    }
    if (h.startsWith('*')) return undefined;
    // an external host nobody declared: infer an external service
    const name = this.uniqueNodeName(slugify(h.replace(/^www\./, '')));
    this.externalServices.push({ item: { name, hosts: [h] }, origin: scope?.origin() ?? { manifest: placeholderManifest(host), mesh: 'istio' }, hosts: [h] });
    if (scope) scope.diag('ML5005', `external host '${h}' has no ServiceEntry or equivalent: added external service '${name}'`);
    return { name, external: true };
  }

  uniqueNodeName(base: string): string {
    const taken = (n: string) => this.services.has(n) || this.externalByName(n) || this.gateways.some((g) => g.item.name === n);
    if (!taken(base)) return base;
    for (let i = 2; ; i++) {
      const n = `${base.slice(0, 60)}-${i}`;
      if (!taken(n)) return n;
    }
  }

  // -- routes, policies, overrides ------------------------------------------------------------

  routeKey(route: TRecord): string {
    return String(route.name ?? (route.gateway ? `${route.service}-${route.gateway}` : route.service));
  }

  /** Adds a route unless one with the same name exists (then ML5007 and the object is kept whole). */
  addRoute(route: TRecord, scope: ObjectScope): boolean {
    const key = this.routeKey(route);
    const first = this.routes.find((r) => this.routeKey(r.item) === key);
    if (first) {
      if (deepEqual(first.item, route)) return true;
      scope.diag('ML5007', `a route for '${key}' already comes from ${objectId(first.origin.manifest)}; this one is kept whole under spec.overrides.${scope.mesh}`);
      scope.keepWhole = true;
      return false;
    }
    this.routes.push({ item: route, origin: scope.origin() });
    return true;
  }

  /** Adds a policy unless one of the same kind for the same target exists with other values (ML5007). */
  addPolicy(policy: TRecord, scope: ObjectScope, sourcePath: TPath = ['spec']): boolean {
    clean(policy);
    const sameSlot = (p: TRecord) => p.kind === policy.kind && p.target === policy.target && p.route === policy.route && p.namespace === policy.namespace;
    const first = this.policies.find((p) => sameSlot(p.item));
    if (first && policy.kind !== 'Authorization') {
      if (deepEqual(first.item, policy)) return true;
      scope.diag('ML5007', `a ${String(policy.kind)} policy for '${String(policy.target ?? policy.route ?? policy.namespace ?? 'the mesh')}' already comes from ${objectId(first.origin.manifest)}`, sourcePath);
      scope.unmappedPaths.push(sourcePath);
      return false;
    }
    this.policies.push({ item: policy, origin: scope.origin() });
    return true;
  }

  /** Keeps an object (whole, or the given part of it) under `spec.overrides.<mesh>`. */
  keepOverride(mesh: TMeshId, manifest: TManifest, part?: TRecord): void {
    let byId = this.overrides.get(mesh);
    if (!byId) this.overrides.set(mesh, (byId = new Map()));
    const id = `${objectId(manifest)}@${manifest.file}#${manifest.line ?? 0}`;
    const metadata: TRecord = { name: manifest.name };
    if (manifest.namespace) metadata.namespace = manifest.namespace;
    const whole = { apiVersion: manifest.apiVersion, kind: manifest.kind, ...manifest.raw, metadata: { ...rec(manifest.raw.metadata), ...metadata } };
    const obj = part ? { apiVersion: manifest.apiVersion, kind: manifest.kind, metadata, ...part } : whole;
    const existing = byId.get(id);
    if (existing && !part) byId.set(id, whole);
    else if (!existing) byId.set(id, obj);
  }

  hasOverride(mesh: TMeshId, manifest: TManifest): boolean {
    return this.overrides.get(mesh)?.has(`${objectId(manifest)}@${manifest.file}#${manifest.line ?? 0}`) ?? false;
  }
}

function placeholderManifest(host: string): TManifest {
  return { apiVersion: 'v1', kind: 'Host', name: host, labels: {}, spec: {}, raw: {}, file: '' };
}

/**
 * The part of `spec` the unmapped paths point at, cut at the first list on each path so that a
 * JSON merge patch (lists replace as a whole) reproduces the original lists exactly.
 */
export function residualOf(raw: TRecord, paths: TPath[]): TRecord {
  const out: TRecord = {};
  for (const path of paths) {
    let src: unknown = raw;
    let dst: TRecord = out;
    for (let i = 0; i < path.length; i++) {
      const key = path[i]!;
      if (typeof key === 'number' || !isRecord(src)) break;
      const next = src[key];
      const isLast = i === path.length - 1 || typeof path[i + 1] === 'number' || !isRecord(next);
      if (isLast) {
        dst[key] = next;
        break;
      }
      if (!isRecord(dst[key])) dst[key] = {};
      dst = dst[key] as TRecord;
      src = next;
    }
  }
  return out;
}
