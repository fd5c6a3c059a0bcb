/**
 * The diagram model of a pattern: nodes (services, gateways, external services) and edges
 * (calls, gateway routes, diverted backends, mirrors), with short labels for routes and
 * policies. The read-only diagram and the designer both render this one model.
 *
 * Universal code (browser and server). Every node and edge carries a `path` into the pattern
 * so selections and diagnostics map both ways. Built in O(n) with maps: no nested scans.
 */
import { routeName } from './references';
import {
  MESH_WIDE_POLICY_KINDS,
  type TMatch,
  type TPattern,
  type TPolicy,
  type TPolicyKind,
  type TRoute,
  type TRouteRule,
} from './schema';

/** A JSON path into the pattern, e.g. `['spec', 'services', 3]`. */
export type TGraphPath = (string | number)[];

/** A policy shown as a small pill on a node, an edge or the mesh-wide strip. */
export type TPolicyBadge = {
  kind: TPolicyKind;
  /** Index into `spec.policies`. */
  policyIndex: number;
  /** Pill text, e.g. `CB 5×/30s`, `RL 50/s`, `mTLS strict`. */
  label: string;
  /** Full sentence for screen readers and tooltips. */
  description: string;
  path: TGraphPath;
};

/** A policy without target or route: it applies to the whole mesh, or to `namespace`. */
export type TMeshPolicyBadge = TPolicyBadge & { namespace?: string };

export type TServiceNodeData = {
  kind: 'service';
  name: string;
  namespace: string;
  protocol: string;
  ports: number[];
  /** Version names, in declared order. */
  versions: string[];
  policies: TPolicyBadge[];
  path: TGraphPath;
};

export type TGatewayNodeData = {
  kind: 'gateway';
  name: string;
  namespace: string;
  type: 'ingress' | 'egress';
  /** One line per listener, e.g. `HTTPS 443 shop.example.com`. */
  listeners: string[];
  policies: TPolicyBadge[];
  path: TGraphPath;
};

export type TExternalNodeData = {
  kind: 'external';
  name: string;
  namespace: string;
  hosts: string[];
  /** e.g. `https 443`. */
  ports: string[];
  policies: TPolicyBadge[];
  path: TGraphPath;
};

export type TGraphNode =
  | { id: string; type: 'service'; data: TServiceNodeData }
  | { id: string; type: 'gateway'; data: TGatewayNodeData }
  | { id: string; type: 'external'; data: TExternalNodeData };
export type TGraphNodeType = TGraphNode['type'];
export type TGraphNodeData = TGraphNode['data'];

/**
 * - `call`: `spec.services[].calls` (labelled with the target's mesh route, when it has one);
 * - `gateway`: a route attached to a gateway, gateway → the route's service;
 * - `backend`: a rule whose backend names another service than the route's;
 * - `mirror`: a rule mirroring traffic to another service (drawn dashed).
 */
export type TEdgeKind = 'call' | 'gateway' | 'backend' | 'mirror';

export type TRouteEdgeData = {
  kind: TEdgeKind;
  /** Index into `spec.routes` of the route that steers this edge's traffic, if any. */
  routeIndex?: number;
  routeName?: string;
  /** Rules of that route whose traffic takes this edge (indexes into `rules`). */
  ruleIndexes: number[];
  /** Short label lines (at most three); empty for a plain call. */
  label: string[];
  /** The full description, one line per rule (tooltip, screen readers). */
  title: string;
  /** Policies attached to the route (`policy.route`). */
  policies: TPolicyBadge[];
  path: TGraphPath;
};

export type TGraphEdge = { id: string; type: 'route'; source: string; target: string; data: TRouteEdgeData };

export type TPatternGraph = {
  nodes: TGraphNode[];
  edges: TGraphEdge[];
  meshPolicies: TMeshPolicyBadge[];
};

/** The id of the node for a service, gateway or external service. */
export function graphNodeId(type: TGraphNodeType, name: string): string {
  return `${type}:${name}`;
}

const MAX_LABEL_LINES = 3;
const MAX_LINE = 44;

function clip(text: string, max = MAX_LINE): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

// ---------------------------------------------------------------------------------------------
// route rules

type TStringMatch = NonNullable<TMatch['headers']>[string];

function formatStringMatch(name: string, m: TStringMatch): string {
  if (typeof m === 'string') return `${name}=${m}`;
  if (m.exact !== undefined) return `${name}=${m.exact}`;
  if (m.prefix !== undefined) return `${name}=${m.prefix}*`;
  if (m.regex !== undefined) return `${name}~${m.regex}`;
  return name;
}

/** One match as short text: `GET /api`, `hdr end-user=jason`, `?preview=true`. */
export function summarizeMatch(m: TMatch): string {
  const parts: string[] = [];
  if (m.method) parts.push(Array.isArray(m.method) ? m.method.join('|') : m.method);
  if (typeof m.path === 'string') parts.push(m.path);
  else if (m.path?.exact !== undefined) parts.push(`=${m.path.exact}`);
  else if (m.path?.prefix !== undefined) parts.push(m.path.prefix);
  else if (m.path?.regex !== undefined) parts.push(`~${m.path.regex}`);
  for (const [k, v] of Object.entries(m.headers ?? {})) parts.push(`hdr ${formatStringMatch(k, v)}`);
  for (const [k, v] of Object.entries(m.query ?? {})) parts.push(`?${formatStringMatch(k, v)}`);
  if (m.from?.length) parts.push(`from ${m.from.join(',')}`);
  return parts.join(' ');
}

/**
 * One rule as short text: `hdr end-user=jason → v2`, `v1 90% · v2 10% ◷2s`, `/api → svc`.
 * Marks: `◷` timeout, `↻` retries, `✗` abort, `+` delay, `⇉` mirror, `↪` redirect (glyphs
 * chosen from fonts every platform ships, e.g. DejaVu Sans, Segoe UI Symbol).
 */
export function summarizeRule(rule: TRouteRule, route: Pick<TRoute, 'service'>): string {
  const match = rule.match.length === 0 ? '' : rule.match.map(summarizeMatch).filter(Boolean).join(' | ');
  let dest: string;
  if (rule.redirect) {
    const r = rule.redirect;
    dest = `↪ ${r.scheme ? `${r.scheme}://` : ''}${r.host ?? ''}${r.path ?? ''}`.trimEnd() + (r.statusCode !== 302 ? ` ${r.statusCode}` : '');
  } else {
    dest = rule.backends
      .map((b) => {
        const target =
          b.service && b.service !== route.service ? (b.version ? `${b.service}/${b.version}` : b.service) : (b.version ?? route.service);
        return b.weight !== undefined ? `${target} ${b.weight}%` : target;
      })
      .join(' · ');
  }
  let text = match ? `${match} → ${dest}` : dest;
  const add = (part: string) => (text = text ? `${text} ${part}` : part);
  if (rule.timeout) add(`◷${rule.timeout}`);
  if (rule.retries) add(`↻${rule.retries.attempts}`);
  if (rule.fault?.abort) add(`✗${rule.fault.abort.httpStatus} ${rule.fault.abort.percentage}%`);
  if (rule.fault?.delay) add(`+${rule.fault.delay.fixedDelay} ${rule.fault.delay.percentage}%`);
  if (rule.mirror) {
    const m = rule.mirror;
    const target = m.service && m.service !== route.service ? (m.version ? `${m.service}/${m.version}` : m.service) : (m.version ?? route.service);
    add(`⇉ ${target}${m.percentage !== 100 ? ` ${m.percentage}%` : ''}`);
  }
  return text;
}

function describeRule(rule: TRouteRule, index: number, short: string): string {
  const head = `${rule.name ?? `rule ${index + 1}`}: ${short}`;
  if (!rule.rewrite && !rule.retries?.perTryTimeout && !rule.headers) return head;
  const extra: string[] = [];
  if (rule.rewrite) {
    const w = rule.rewrite;
    extra.push(`rewrite ${[w.prefix !== undefined ? `prefix ${w.prefix}` : '', w.path !== undefined ? `path ${w.path}` : '', w.host ? `host ${w.host}` : ''].filter(Boolean).join(', ')}`);
  }
  if (rule.retries?.perTryTimeout) extra.push(`${rule.retries.perTryTimeout} per try`);
  if (rule.headers?.request || rule.headers?.response) extra.push('header changes');
  return extra.length ? `${head} (${extra.join('; ')})` : head;
}

type TRouteText = { short: string[]; full: string[] };

/** Rule texts of a route, computed once per route however many edges show them. */
function routeTexts(route: TRoute): TRouteText {
  const short = route.rules.map((r) => summarizeRule(r, route));
  return { short, full: route.rules.map((r, k) => describeRule(r, k, short[k] ?? '')) };
}

function labelOf(texts: TRouteText, ruleIndexes: number[]): Pick<TRouteEdgeData, 'label' | 'title'> {
  if (ruleIndexes.length === 1) {
    const k = ruleIndexes[0]!;
    const line = texts.short[k] ?? '';
    return { label: line ? [clip(line)] : [], title: texts.full[k] ?? '' };
  }
  const lines = ruleIndexes.map((k) => texts.short[k] ?? '').filter(Boolean);
  const label =
    lines.length > MAX_LABEL_LINES
      ? [...lines.slice(0, MAX_LABEL_LINES - 1).map((l) => clip(l)), `+${lines.length - MAX_LABEL_LINES + 1} more rules`]
      : lines.map((l) => clip(l));
  return { label, title: ruleIndexes.map((k) => texts.full[k] ?? '').join('\n') };
}

function ruleAppliesTo(rule: TRouteRule, caller: string): boolean {
  return rule.match.length === 0 || rule.match.some((m) => !m.from || m.from.includes(caller));
}

// ---------------------------------------------------------------------------------------------
// policies

function per(interval: string): string {
  return interval === '1s' ? '/s' : interval === '1m' ? '/min' : interval === '1h' ? '/h' : `/${interval}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** A policy's pill text and accessible description. */
export function summarizePolicy(p: TPolicy): { label: string; description: string } {
  const d = (parts: (string | false | undefined)[]) => `${p.kind}: ${parts.filter(Boolean).join(', ') || 'defaults'}`;
  switch (p.kind) {
    case 'CircuitBreaker':
      return {
        label: `CB ${p.consecutiveErrors}×/${p.ejectionTime}`,
        description: d([
          `${plural(p.consecutiveErrors, 'consecutive error')}`,
          `${p.ejectionTime} ejection`,
          p.consecutiveGatewayErrors !== undefined && `${p.consecutiveGatewayErrors} gateway errors`,
          `max ${p.maxEjectionPercent}% ejected`,
        ]),
      };
    case 'ConnectionLimits': {
      const head =
        p.maxConnections !== undefined ? `≤${p.maxConnections} conn` : p.maxRequests !== undefined ? `≤${p.maxRequests} req` : p.maxPendingRequests !== undefined ? `≤${p.maxPendingRequests} queued` : 'limits';
      return {
        label: `Bulkhead ${head}`,
        description: d([
          p.maxConnections !== undefined && `max ${plural(p.maxConnections, 'connection')}`,
          p.maxPendingRequests !== undefined && `${p.maxPendingRequests} pending requests`,
          p.maxRequests !== undefined && `${p.maxRequests} concurrent requests`,
          p.maxRequestsPerConnection !== undefined && `${p.maxRequestsPerConnection} requests per connection`,
          p.connectTimeout && `connect timeout ${p.connectTimeout}`,
        ]),
      };
    }
    case 'RateLimit':
      return {
        label: `RL ${p.requests}${per(p.interval)}`,
        description: d([`${plural(p.requests, 'request')} per ${p.interval}`, p.burst !== undefined && `burst ${p.burst}`, `${p.scope} scope`, `status ${p.status}`]),
      };
    case 'RetryBudget':
      return {
        label: `Budget ${Math.round(p.retryRatio * 100)}%`,
        description: d([`retries up to ${Math.round(p.retryRatio * 100)}% of requests`, `at least ${p.minRetriesPerSecond} per second`]),
      };
    case 'Retry':
      return {
        label: `↻${p.attempts}${p.perTryTimeout ? `/${p.perTryTimeout}` : ''}`,
        description: d([plural(p.attempts, 'attempt'), p.perTryTimeout && `${p.perTryTimeout} per try`, `on ${p.on.join(', ')}`]),
      };
    case 'Timeout':
      return {
        label: `◷${p.request ?? p.connect ?? p.idle ?? ''}`,
        description: d([p.request && `request ${p.request}`, p.connect && `connect ${p.connect}`, p.idle && `idle ${p.idle}`]),
      };
    case 'MutualTLS':
      return { label: `mTLS ${p.mode}`, description: d([`${p.mode} mode`, p.namespace && `namespace ${p.namespace}`]) };
    case 'Authorization': {
      const n = p.rules.length;
      const label = n === 0 ? 'Deny all' : `${p.action === 'allow' ? 'Allow' : 'Deny'} ${n === 1 ? '1 rule' : `${n} rules`}`;
      const sources = p.rules.flatMap((r) => r.from?.services ?? r.from?.namespaces?.map((ns) => `namespace ${ns}`) ?? []);
      return {
        label,
        description: d([
          n === 0 ? (p.action === 'allow' ? 'allows nothing (deny all)' : 'denies everything') : `${p.action} ${plural(n, 'rule')}`,
          sources.length > 0 && `from ${sources.join(', ')}`,
          p.namespace && `namespace ${p.namespace}`,
        ]),
      };
    }
    case 'HealthCheck':
      return {
        label: p.active ? `HC ${p.active.path}` : 'HC passive',
        description: d([p.active && `active probe ${p.active.path} every ${p.active.interval}`, p.passive && `passive, ${plural(p.passive.consecutiveErrors, 'consecutive error')}`]),
      };
    case 'LoadBalancing':
      return {
        label: `LB ${p.algorithm}${p.sessionAffinity ? ' sticky' : ''}`,
        description: d([p.algorithm, p.sessionAffinity && `session affinity by ${Object.keys(p.sessionAffinity)[0]}`]),
      };
    case 'FaultInjection':
      return {
        label: `Fault ${[p.abort && `${p.abort.httpStatus}@${p.abort.percentage}%`, p.delay && `+${p.delay.fixedDelay}@${p.delay.percentage}%`].filter(Boolean).join(' ')}`,
        description: d([
          p.abort && `abort ${p.abort.percentage}% with ${p.abort.httpStatus}`,
          p.delay && `delay ${p.delay.percentage}% by ${p.delay.fixedDelay}`,
        ]),
      };
    case 'LocalityFailover':
      return {
        label: 'Failover',
        description: d([p.failover.map((f) => `${f.from} to ${f.to}`).join(', '), p.failoverPriority && `priority ${p.failoverPriority.join(', ')}`]),
      };
    case 'AccessLog':
      return { label: `Log ${p.format}`, description: d([`${p.format} to ${p.path}`, p.filter && `filter ${p.filter}`, p.namespace && `namespace ${p.namespace}`]) };
    case 'Tracing':
      return {
        label: `Trace ${p.samplingPercentage}%`,
        description: d([p.provider, `${p.samplingPercentage}% sampled`, p.endpoint && `to ${p.endpoint}`, p.namespace && `namespace ${p.namespace}`]),
      };
    case 'Metrics':
      return { label: 'Metrics', description: d([p.provider, p.tags && `tags ${Object.keys(p.tags).join(', ')}`, p.namespace && `namespace ${p.namespace}`]) };
  }
}

const MESH_WIDE = new Set<TPolicyKind>(MESH_WIDE_POLICY_KINDS);

// ---------------------------------------------------------------------------------------------
// the graph

/**
 * The diagram graph of a (valid) pattern. References to unknown names are skipped, never
 * thrown: the designer also draws patterns that do not validate yet. Ids are deterministic:
 * `service:<name>`, `gateway:<name>`, `external:<name>`; edges `call:<from>-><to>`,
 * `gateway:<gw>-><svc>` (`@<route>` added when two routes join the same pair),
 * `backend:<route>:<svc>`, `mirror:<route>:<svc>`.
 */
export function patternToGraph(pattern: TPattern): TPatternGraph {
  const s = pattern.spec;
  const nodes: TGraphNode[] = [];
  const edges: TGraphEdge[] = [];
  const meshPolicies: TMeshPolicyBadge[] = [];
  /** name → node (services, gateways and external services share one namespace of names). */
  const byName = new Map<string, TGraphNode>();
  const add = (node: TGraphNode) => {
    if (byName.has(node.data.name)) return;
    byName.set(node.data.name, node);
    nodes.push(node);
  };

  s.services.forEach((svc, i) =>
    add({
      id: graphNodeId('service', svc.name),
      type: 'service',
      data: {
        kind: 'service',
        name: svc.name,
        namespace: svc.namespace,
        protocol: svc.protocol,
        ports: svc.ports.map((p) => p.port),
        versions: svc.versions.map((v) => v.name),
        policies: [],
        path: ['spec', 'services', i],
      },
    }),
  );
  s.gateways.forEach((gw, i) =>
    add({
      id: graphNodeId('gateway', gw.name),
      type: 'gateway',
      data: {
        kind: 'gateway',
        name: gw.name,
        namespace: gw.namespace,
        type: gw.type,
        listeners: gw.listeners.map((l) => {
          const hosts = l.hosts.length === 1 && l.hosts[0] === '*' ? '' : ` ${l.hosts.join(', ')}`;
          return clip(`${l.protocol.toUpperCase()} ${l.port}${hosts}`, 36);
        }),
        policies: [],
        path: ['spec', 'gateways', i],
      },
    }),
  );
  s.externalServices.forEach((ext, i) =>
    add({
      id: graphNodeId('external', ext.name),
      type: 'external',
      data: {
        kind: 'external',
        name: ext.name,
        namespace: ext.namespace,
        hosts: ext.hosts,
        ports: ext.ports.map((p) => `${p.protocol} ${p.port}`),
        policies: [],
        path: ['spec', 'externalServices', i],
      },
    }),
  );

  // policies: on their target node, on their route's edges, or mesh-wide
  const routePolicies = new Map<string, TPolicyBadge[]>();
  s.policies.forEach((p, i) => {
    const badge: TPolicyBadge = { kind: p.kind, policyIndex: i, ...summarizePolicy(p), path: ['spec', 'policies', i] };
    if (p.target !== undefined) byName.get(p.target)?.data.policies.push(badge);
    else if (p.route !== undefined) {
      const list = routePolicies.get(p.route);
      if (list) list.push(badge);
      else routePolicies.set(p.route, [badge]);
    } else if (MESH_WIDE.has(p.kind)) {
      const ns = 'namespace' in p ? p.namespace : undefined;
      meshPolicies.push(ns ? { ...badge, namespace: ns } : badge);
    }
  });

  // routes: mesh routes by service (first one wins for call labels), texts computed once
  const meshRouteOf = new Map<string, number>();
  const texts: (TRouteText | undefined)[] = [];
  const textsOf = (r: number, route: TRoute) => (texts[r] ??= routeTexts(route));
  s.routes.forEach((route, r) => {
    if (!route.gateway && !meshRouteOf.has(route.service)) meshRouteOf.set(route.service, r);
  });

  const ids = new Set<string>();
  const pushEdge = (edge: TGraphEdge) => {
    if (ids.has(edge.id)) return false;
    ids.add(edge.id);
    edges.push(edge);
    return true;
  };
  const isTarget = (n: TGraphNode | undefined): n is TGraphNode => n !== undefined && n.type !== 'gateway';

  s.services.forEach((svc, i) => {
    const from = byName.get(svc.name);
    if (from?.type !== 'service' || from.data.path[2] !== i) return;
    svc.calls.forEach((to, j) => {
      const target = byName.get(to);
      if (!isTarget(target)) return;
      const id = `call:${svc.name}->${to}`;
      const r = target.type === 'service' ? meshRouteOf.get(to) : undefined;
      const route = r === undefined ? undefined : s.routes[r];
      let data: TRouteEdgeData;
      if (r !== undefined && route) {
        const ruleIndexes: number[] = [];
        route.rules.forEach((rule, k) => ruleAppliesTo(rule, svc.name) && ruleIndexes.push(k));
        const name = routeName(route);
        data = {
          kind: 'call',
          routeIndex: r,
          routeName: name,
          ruleIndexes,
          ...labelOf(textsOf(r, route), ruleIndexes),
          policies: routePolicies.get(name) ?? [],
          path: ['spec', 'services', i, 'calls', j],
        };
      } else {
        data = { kind: 'call', ruleIndexes: [], label: [], title: '', policies: [], path: ['spec', 'services', i, 'calls', j] };
      }
      pushEdge({ id, type: 'route', source: from.id, target: target.id, data });
    });
  });

  s.routes.forEach((route, r) => {
    const name = routeName(route);
    const policies = routePolicies.get(name) ?? [];
    const own = byName.get(route.service);
    const gateway = route.gateway === undefined ? undefined : byName.get(route.gateway);
    if (route.gateway !== undefined && gateway?.type !== 'gateway') return;
    const source = gateway ?? own;
    if (!source) return;
    const routePath: TGraphPath = ['spec', 'routes', r];

    if (gateway && isTarget(own)) {
      const ruleIndexes: number[] = [];
      route.rules.forEach((rule, k) => {
        if (rule.redirect || rule.backends.length === 0 || rule.backends.some((b) => (b.service ?? route.service) === route.service)) ruleIndexes.push(k);
      });
      const base = `gateway:${gateway.data.name}->${route.service}`;
      const data: TRouteEdgeData = { kind: 'gateway', routeIndex: r, routeName: name, ruleIndexes, ...labelOf(textsOf(r, route), ruleIndexes), policies, path: routePath };
      if (!pushEdge({ id: base, type: 'route', source: gateway.id, target: own.id, data })) {
        pushEdge({ id: `${base}@${name}`, type: 'route', source: gateway.id, target: own.id, data });
      }
    }

    // diverted backends and mirrors, one edge per (route, service)
    let groups: Map<string, { kind: 'backend' | 'mirror'; target: TGraphNode; ruleIndexes: number[]; path: TGraphPath }> | undefined;
    const group = (kind: 'backend' | 'mirror', to: string, k: number, path: TGraphPath) => {
      const key = `${kind}:${name}:${to}`;
      groups ??= new Map();
      const g = groups.get(key);
      if (g) {
        if (g.ruleIndexes[g.ruleIndexes.length - 1] !== k) g.ruleIndexes.push(k);
        return;
      }
      const target = byName.get(to);
      if (isTarget(target) && target.id !== source.id) groups.set(key, { kind, target, ruleIndexes: [k], path });
    };
    route.rules.forEach((rule, k) => {
      rule.backends.forEach((b, n) => {
        if (b.service !== undefined && b.service !== route.service) group('backend', b.service, k, [...routePath, 'rules', k, 'backends', n]);
      });
      const mirrored = rule.mirror?.service;
      if (mirrored !== undefined && mirrored !== route.service) group('mirror', mirrored, k, [...routePath, 'rules', k, 'mirror']);
    });
    for (const [id, g] of groups ?? []) {
      const label =
        g.kind === 'mirror'
          ? {
              label: [`⇉ mirror ${route.rules[g.ruleIndexes[0] ?? 0]?.mirror?.percentage ?? 100}%`],
              title: g.ruleIndexes.map((k) => textsOf(r, route).full[k] ?? '').join('\n'),
            }
          : labelOf(textsOf(r, route), g.ruleIndexes);
      pushEdge({
        id,
        type: 'route',
        source: source.id,
        target: g.target.id,
        data: { kind: g.kind, routeIndex: r, routeName: name, ruleIndexes: g.ruleIndexes, ...label, policies, path: g.path },
      });
    }
  });

  return { nodes, edges, meshPolicies };
}
