/**
 * Editing operations on a pattern file's text, for the designer: each takes the YAML text and
 * returns the new text, changing the YAML document (comments, key order and flow style kept)
 * instead of regenerating it. Universal code; every operation is a pure function.
 */
import { isMap, isScalar, isSeq, parseDocument, type Document, YAMLMap, YAMLSeq } from 'yaml';
import { setScalarAt } from './edit';
import type { TPolicyKind } from './schema';

export type TNodeKind = 'service' | 'gateway' | 'external';

const SECTION: Record<TNodeKind, string> = { service: 'services', gateway: 'gateways', external: 'externalServices' };
const TO_STRING = { flowCollectionPadding: false, lineWidth: 0 } as const;

/** Minimal valid settings for a policy dropped from the palette (the rest are defaults). */
export const POLICY_TEMPLATES: Record<TPolicyKind, Record<string, unknown>> = {
  CircuitBreaker: { consecutiveErrors: 5, ejectionTime: '30s' },
  ConnectionLimits: { maxConnections: 100, maxPendingRequests: 50 },
  RateLimit: { requests: 100, interval: '1s' },
  RetryBudget: { retryRatio: 0.2 },
  Retry: { attempts: 3, perTryTimeout: '500ms' },
  Timeout: { request: '2s' },
  MutualTLS: { mode: 'strict' },
  Authorization: { action: 'allow', rules: [{ from: { services: ['*'] } }] },
  HealthCheck: { active: { path: '/health' } },
  LoadBalancing: { algorithm: 'least-request' },
  FaultInjection: { abort: { httpStatus: 503, percentage: 10 } },
  LocalityFailover: { failover: [] },
  AccessLog: { format: 'json' },
  Tracing: { samplingPercentage: 1 },
  Metrics: { provider: 'prometheus' },
};

function load(text: string): Document.Parsed {
  const doc = parseDocument(text, { keepSourceTokens: false });
  if (doc.errors.length > 0) throw new Error(`the YAML has errors; fix them before editing on the canvas (${doc.errors[0]!.message.split('\n')[0]})`);
  if (!isMap(doc.contents)) throw new Error('the document is not a pattern mapping');
  return doc;
}

function seqAt(doc: Document.Parsed, path: string[]): YAMLSeq {
  const node = doc.getIn(path, true);
  if (isSeq(node)) return node;
  const seq = new YAMLSeq();
  doc.setIn(path, seq);
  return seq;
}

function flowMap(doc: Document.Parsed, value: Record<string, unknown>): YAMLMap {
  const node = doc.createNode(value) as YAMLMap;
  node.flow = true;
  return node;
}

/** Every name used by a service, gateway or external service (they share one namespace). */
export function nodeNames(text: string): Set<string> {
  const doc = parseDocument(text);
  const names = new Set<string>();
  for (const section of Object.values(SECTION)) {
    const seq = doc.getIn(['spec', section], true);
    if (!isSeq(seq)) continue;
    for (const item of seq.items) {
      const name = isMap(item) ? item.get('name') : undefined;
      if (typeof name === 'string') names.add(name);
    }
  }
  return names;
}

/** `base`, or `base-2`, `base-3`… — the first not in `taken`. */
export function uniqueName(base: string, taken: Set<string>): string {
  const clean = base.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 55) || 'node';
  if (!taken.has(clean)) return clean;
  for (let i = 2; ; i++) if (!taken.has(`${clean}-${i}`)) return `${clean}-${i}`;
}

/** Adds a service, gateway or external service (at a canvas position, kept in `layout`). */
export function addNode(text: string, kind: TNodeKind, opts: { name?: string; position?: { x: number; y: number } } = {}): { text: string; name: string } {
  const doc = load(text);
  const name = uniqueName(opts.name ?? (kind === 'external' ? 'external' : kind), nodeNames(text));
  const value: Record<string, unknown> =
    kind === 'service' ? { name, ports: [8080], versions: ['v1'] } : kind === 'gateway' ? { name } : { name, hosts: [`${name}.example.com`] };
  const node = doc.createNode(value) as YAMLMap;
  if (kind !== 'service') node.flow = true;
  else {
    for (const key of ['ports', 'versions']) {
      const v = node.get(key, true);
      if (isSeq(v)) v.flow = true;
    }
    node.flow = true;
  }
  seqAt(doc, ['spec', SECTION[kind]]).items.push(node);
  if (opts.position) setLayout(doc, name, opts.position);
  return { text: doc.toString(TO_STRING), name };
}

function setLayout(doc: Document.Parsed, name: string, p: { x: number; y: number }) {
  if (!isMap(doc.get('layout', true))) doc.set('layout', doc.createNode({}));
  doc.setIn(['layout', name], flowMap(doc, { x: Math.round(p.x), y: Math.round(p.y) }));
}

/** Saves canvas positions in `layout` (never in spec). */
export function moveNodes(text: string, positions: Record<string, { x: number; y: number }>): string {
  const doc = load(text);
  for (const [name, p] of Object.entries(positions)) setLayout(doc, name, p);
  return doc.toString(TO_STRING);
}

function findIndex(doc: Document.Parsed, section: string, name: string): number {
  const seq = doc.getIn(['spec', section], true);
  if (!isSeq(seq)) return -1;
  return seq.items.findIndex((item) => isMap(item) && item.get('name') === name);
}

function versionsOf(doc: Document.Parsed, service: string): string[] {
  const i = findIndex(doc, 'services', service);
  if (i < 0) return [];
  const versions = doc.getIn(['spec', 'services', i, 'versions']);
  const js = (versions as { toJSON?: () => unknown } | undefined)?.toJSON?.() ?? versions;
  return Array.isArray(js) ? js.map((v) => (typeof v === 'string' ? v : (v as { name?: string }).name ?? '')).filter(Boolean) : [];
}

function routeIndexFor(doc: Document.Parsed, service: string, gateway?: string): number {
  const seq = doc.getIn(['spec', 'routes'], true);
  if (!isSeq(seq)) return -1;
  return seq.items.findIndex((item) => isMap(item) && item.get('service') === service && (item.get('gateway') ?? undefined) === gateway);
}

/** Backends splitting evenly over a service's versions (weights sum to 100), or the service itself. */
function defaultBackends(versions: string[]): Record<string, unknown>[] {
  if (versions.length === 0) return [{ weight: 100 }];
  if (versions.length === 1) return [{ version: versions[0] }];
  const share = Math.floor(100 / versions.length);
  return versions.map((v, i) => ({ version: v, weight: i === 0 ? 100 - share * (versions.length - 1) : share }));
}

/**
 * Connecting two nodes on the canvas. service → service: the caller calls the callee, and the
 * callee gets a route (weighted over its versions) unless it has one. gateway → service: a route
 * through that gateway. service → external service: a call. Returns the new text and the index of
 * the route created or found.
 */
export function connectNodes(text: string, from: { kind: TNodeKind; name: string }, to: { kind: TNodeKind; name: string }): { text: string; routeIndex?: number } {
  const doc = load(text);
  if (from.name === to.name) throw new Error('a node cannot be connected to itself');
  if (to.kind === 'gateway') throw new Error('connect from a gateway to a service, not into a gateway');
  if (from.kind === 'external') throw new Error('external services do not call into the mesh');
  if (from.kind === 'service') {
    const i = findIndex(doc, 'services', from.name);
    if (i < 0) throw new Error(`unknown service ${from.name}`);
    const calls = doc.getIn(['spec', 'services', i, 'calls'], true);
    if (isSeq(calls)) {
      if (!calls.items.some((c) => (isScalar(c) ? c.value : c) === to.name)) calls.items.push(doc.createNode(to.name));
    } else {
      const seq = doc.createNode([to.name]) as YAMLSeq;
      seq.flow = true;
      doc.setIn(['spec', 'services', i, 'calls'], seq);
    }
  }
  if (to.kind !== 'service') return { text: doc.toString(TO_STRING) };
  const gateway = from.kind === 'gateway' ? from.name : undefined;
  let routeIndex = routeIndexFor(doc, to.name, gateway);
  if (routeIndex < 0) {
    const rule = doc.createNode({ backends: defaultBackends(versionsOf(doc, to.name)) }) as YAMLMap;
    const backends = rule.get('backends', true);
    if (isSeq(backends)) {
      backends.flow = true;
      for (const b of backends.items) if (isMap(b)) b.flow = true;
    }
    const route = doc.createNode(gateway ? { service: to.name, gateway, rules: [] } : { service: to.name, rules: [] }) as YAMLMap;
    (route.get("rules", true) as unknown as YAMLSeq).items.push(rule);
    const routes = seqAt(doc, ['spec', 'routes']);
    routes.items.push(route);
    routeIndex = routes.items.length - 1;
  }
  return { text: doc.toString(TO_STRING), routeIndex };
}

/** Adds a policy from the palette, attached to a node (target) or a route, or mesh-wide. */
export function addPolicy(text: string, kind: TPolicyKind, attach: { target?: string; route?: string } = {}): { text: string; index: number } {
  const doc = load(text);
  const value = { kind, ...(attach.target ? { target: attach.target } : {}), ...(attach.route ? { route: attach.route } : {}), ...structuredClone(POLICY_TEMPLATES[kind]) };
  const seq = seqAt(doc, ['spec', 'policies']);
  seq.items.push(flowMap(doc, value));
  return { text: doc.toString(TO_STRING), index: seq.items.length - 1 };
}

/**
 * Removes nodes and everything that only makes sense with them: their routes (as the routed
 * service or through a removed gateway), policies attached to them, calls to them, their layout.
 */
export function removeNodes(text: string, names: string[]): string {
  const gone = new Set(names);
  const doc = load(text);
  for (const section of Object.values(SECTION)) {
    const seq = doc.getIn(['spec', section], true);
    if (isSeq(seq)) seq.items = seq.items.filter((item) => !(isMap(item) && gone.has(String(item.get('name')))));
  }
  const services = doc.getIn(['spec', 'services'], true);
  if (isSeq(services)) {
    for (const s of services.items) {
      const calls = isMap(s) ? s.get('calls', true) : undefined;
      if (isSeq(calls)) calls.items = calls.items.filter((c) => !gone.has(String(isScalar(c) ? c.value : c)));
    }
  }
  const removedRoutes = new Set<string>();
  const routes = doc.getIn(['spec', 'routes'], true);
  if (isSeq(routes)) {
    routes.items = routes.items.filter((r) => {
      if (!isMap(r)) return true;
      const drop = gone.has(String(r.get('service'))) || (r.has('gateway') && gone.has(String(r.get('gateway'))));
      if (drop) removedRoutes.add(String(r.get('name') ?? r.get('service')));
      return !drop;
    });
  }
  const policies = doc.getIn(['spec', 'policies'], true);
  if (isSeq(policies)) {
    policies.items = policies.items.filter((p) => !(isMap(p) && (gone.has(String(p.get('target'))) || (p.has('route') && removedRoutes.has(String(p.get('route')))))));
  }
  const layout = doc.get('layout', true);
  if (isMap(layout)) {
    layout.items = layout.items.filter((pair) => !gone.has(String(isScalar(pair.key) ? pair.key.value : pair.key)));
    if (layout.items.length === 0) doc.delete('layout');
  }
  return doc.toString(TO_STRING);
}

/** Removes a call edge (caller no longer calls callee) or a gateway route. */
export function removeConnection(text: string, from: string, to: string, kind: 'call' | 'gateway'): string {
  const doc = load(text);
  if (kind === 'call') {
    const i = findIndex(doc, 'services', from);
    const calls = i >= 0 ? doc.getIn(['spec', 'services', i, 'calls'], true) : undefined;
    if (isSeq(calls)) calls.items = calls.items.filter((c) => (isScalar(c) ? c.value : c) !== to);
  } else {
    const i = routeIndexFor(doc, to, from);
    if (i >= 0) doc.deleteIn(['spec', 'routes', i]);
  }
  return doc.toString(TO_STRING);
}

/**
 * Copies nodes (with the policies targeting them) under new, unique names, shifted on the
 * canvas. Returns the new names in the order given.
 */
export function duplicateNodes(text: string, names: string[], offset = { x: 40, y: 40 }): { text: string; names: string[] } {
  const doc = load(text);
  const taken = nodeNames(text);
  const renamed = new Map<string, string>();
  for (const [kind, section] of Object.entries(SECTION) as [TNodeKind, string][]) {
    const seq = doc.getIn(['spec', section], true);
    if (!isSeq(seq)) continue;
    for (const item of [...seq.items]) {
      if (!isMap(item) || !names.includes(String(item.get('name')))) continue;
      const old = String(item.get('name'));
      const fresh = uniqueName(`${old}-copy`, taken);
      taken.add(fresh);
      renamed.set(old, fresh);
      const copy = doc.createNode({ ...(item.toJSON() as Record<string, unknown>), name: fresh }) as YAMLMap;
      copy.flow = item.flow ?? kind !== 'service';
      seq.items.push(copy);
    }
  }
  const policies = doc.getIn(['spec', 'policies'], true);
  if (isSeq(policies)) {
    for (const p of [...policies.items]) {
      if (!isMap(p)) continue;
      const target = renamed.get(String(p.get('target')));
      if (target) policies.items.push(flowMap(doc, { ...(p.toJSON() as Record<string, unknown>), target }));
    }
  }
  const layout = doc.get('layout', true);
  for (const [old, fresh] of renamed) {
    const at = isMap(layout) ? (layout.get(old, true) as YAMLMap | undefined)?.toJSON() : undefined;
    if (at && typeof at === 'object') setLayout(doc, fresh, { x: Number((at as { x: number }).x) + offset.x, y: Number((at as { y: number }).y) + offset.y });
  }
  return { text: doc.toString(TO_STRING), names: names.map((n) => renamed.get(n)).filter((n): n is string => !!n) };
}

/** Sets (or, with undefined, removes) the value at `path`; a scalar is replaced in place. */
export function setValue(text: string, path: (string | number)[], value: unknown): string {
  if (value !== undefined && (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')) {
    const spliced = setScalarAt(text, path, value);
    if (spliced !== undefined) return spliced;
  }
  const doc = load(text);
  if (value === undefined) doc.deleteIn(path);
  else doc.setIn(path, doc.createNode(value));
  return doc.toString(TO_STRING);
}

/** Adds an include of another pattern (composition). */
export function addInclude(text: string, pattern: string): string {
  const doc = load(text);
  const seq = seqAt(doc, ['spec', 'includes']);
  if (!seq.items.some((i) => isMap(i) && i.get('pattern') === pattern)) seq.items.push(flowMap(doc, { pattern }));
  return doc.toString(TO_STRING);
}
