/**
 * networking.istio.io/v1alpha3 EnvoyFilter for RateLimit policies (Istio has no first-class rate
 * limit API):
 * - local: envoy.filters.http.local_ratelimit, a token bucket per proxy (workload-wide in the
 *   filter, per route through typed_per_filter_config on the named VirtualService routes);
 * - global: envoy.filters.http.ratelimit calling a rate-limit service (Istio's samples/ratelimit
 *   deployment, `ratelimit` on port 8081 in the workload's namespace), with its limits in a
 *   `ratelimit-config` ConfigMap.
 * One EnvoyFilter per workload and kind, so the HTTP filter is inserted once.
 */
import { stringify } from 'yaml';
import type { TManifest } from '../types';
import { durationMs, goDuration, objectName, serviceHost } from '../shared/k8s';
import { type IstioContext, type TPath, type TPolicyOf } from './context';
import { httpRouteName } from './virtual-service';

type TObj = Record<string, unknown>;
type TRateLimit = TPolicyOf<'RateLimit'>;

const LOCAL_FILTER = 'envoy.filters.http.local_ratelimit';
const LOCAL_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit';
const GLOBAL_FILTER = 'envoy.filters.http.ratelimit';
const GLOBAL_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.ratelimit.v3.RateLimit';
const RLS_PORT = 8081;

interface TWorkload {
  key: string;
  name: string;
  namespace: string;
  labels: Record<string, string>;
  context: 'SIDECAR_INBOUND' | 'GATEWAY';
  /** Workload-wide policy, and per-route policies (Envoy route names). */
  whole?: { policy: TRateLimit; path: TPath; id: string };
  routes: { names: string[]; policy: TRateLimit; path: TPath; id: string }[];
}

export function renderRateLimits(ctx: IstioContext): TManifest[] {
  const local = new Map<string, TWorkload>();
  const global = new Map<string, TWorkload>();

  for (const { policy: p, path, index } of ctx.policies('RateLimit')) {
    const map = p.scope === 'global' ? global : local;
    const id = objectName(p.route ?? p.target ?? 'all', 'limit', index);
    let wl: Omit<TWorkload, 'routes' | 'whole'> | undefined;
    let routeNames: string[] | undefined;
    if (p.target) {
      const gw = ctx.gateways.get(p.target);
      if (gw) wl = { key: `gw:${gw.name}`, name: gw.name, namespace: gw.namespace, labels: ctx.gatewaySelector(gw), context: 'GATEWAY' };
      else if (ctx.services.has(p.target)) {
        if (ctx.isTcp(p.target)) {
          ctx.warn(path, `Istio: ${p.target} is a TCP service; HTTP rate limits do not apply to it`);
          continue;
        }
        wl = { key: `svc:${p.target}`, name: p.target, namespace: ctx.namespaceOf(p.target), labels: { app: p.target }, context: 'SIDECAR_INBOUND' };
      } else {
        ctx.warn(path, `Istio: requests to ${p.target} cannot be rate limited by the mesh (no proxy receives them); not rendered`);
        continue;
      }
    } else if (p.route) {
      const r = ctx.routes.get(p.route);
      if (!r) {
        ctx.warn(path, `Istio: unknown route ${p.route}`);
        continue;
      }
      const gw = r.route.gateway ? ctx.gateways.get(r.route.gateway) : undefined;
      if (gw) {
        wl = { key: `gw:${gw.name}`, name: gw.name, namespace: gw.namespace, labels: ctx.gatewaySelector(gw), context: 'GATEWAY' };
        routeNames = r.route.rules.map((rule, i) => httpRouteName(r.route, rule, ['spec', 'routes', r.index, 'rules', i]));
        if (routeNames.length > 1 && p.scope === 'local') ctx.info(path, `Istio: each rule of route ${p.route} gets its own token bucket of ${p.requests} per ${p.interval}`);
      } else {
        const svc = r.route.service;
        wl = { key: `svc:${svc}`, name: svc, namespace: ctx.namespaceOf(svc), labels: { app: svc }, context: 'SIDECAR_INBOUND' };
        ctx.info(path, `Istio: a mesh route's rate limit is enforced by the receiving workload ${svc}, for all its traffic`);
      }
    }
    if (!wl) continue;
    if (p.scope === 'local' && p.by) ctx.info([...path, 'by'], 'Istio: a local rate limit has one bucket per proxy; `by` needs scope global and is not rendered');
    let entry = map.get(wl.key);
    if (!entry) map.set(wl.key, (entry = { ...wl, routes: [] }));
    if (routeNames) entry.routes.push({ names: routeNames, policy: p, path, id });
    else if (entry.whole) ctx.warn(path, `Istio: ${wl.name} already has a workload-wide ${p.scope} rate limit; this one is not rendered`);
    else entry.whole = { policy: p, path, id };
  }

  const out: TManifest[] = [];
  for (const wl of local.values()) out.push(localFilter(ctx, wl));
  const configs = new Map<string, TObj[]>();
  for (const wl of global.values()) {
    out.push(globalFilter(ctx, wl));
    const descriptors = configs.get(wl.namespace) ?? [];
    for (const x of [...(wl.whole ? [wl.whole] : []), ...wl.routes]) descriptors.push(descriptorConfig(ctx, x.policy, x.path, x.id));
    configs.set(wl.namespace, descriptors);
    ctx.warn(
      (wl.whole ?? wl.routes[0])?.path ?? ['spec', 'policies'],
      `Istio: global rate limiting needs an external rate-limit service: deploy Istio's samples/ratelimit (Service ratelimit:${RLS_PORT} in namespace ${wl.namespace}); it reads the limits from the rendered ConfigMap ratelimit-config`,
      'rate-limit-global',
    );
  }
  for (const [namespace, descriptors] of configs)
    out.push({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'ratelimit-config', namespace },
      data: { 'config.yaml': stringify({ domain: domainOf(ctx), descriptors }) },
    });
  return out;
}

function domainOf(ctx: IstioContext): string {
  return ctx.pattern.metadata.name;
}

function localConfig(p: TRateLimit): TObj {
  const percent = { numerator: 100, denominator: 'HUNDRED' };
  return {
    '@type': LOCAL_TYPE,
    stat_prefix: 'http_local_rate_limiter',
    token_bucket: { max_tokens: p.requests + (p.burst ?? 0), tokens_per_fill: p.requests, fill_interval: goDuration(durationMs(p.interval)) },
    filter_enabled: { runtime_key: 'local_rate_limit_enabled', default_value: percent },
    filter_enforced: { runtime_key: 'local_rate_limit_enforced', default_value: percent },
    response_headers_to_add: [{ append_action: 'OVERWRITE_IF_EXISTS_OR_ADD', header: { key: 'x-local-rate-limit', value: 'true' } }],
    ...(p.status !== 429 ? { status: { code: p.status } } : {}),
  };
}

function httpFilterPatch(context: string, value: TObj): TObj {
  return {
    applyTo: 'HTTP_FILTER',
    match: { context, listener: { filterChain: { filter: { name: 'envoy.filters.network.http_connection_manager', subFilter: { name: 'envoy.filters.http.router' } } } } },
    patch: { operation: 'INSERT_BEFORE', value },
  };
}

function routePatch(context: string, routeName: string, value: TObj): TObj {
  return { applyTo: 'HTTP_ROUTE', match: { context, routeConfiguration: { vhost: { route: { name: routeName } } } }, patch: { operation: 'MERGE', value } };
}

function localFilter(ctx: IstioContext, wl: TWorkload): TManifest {
  // Without a workload-wide limit the filter is present but has no bucket: only routes are limited.
  const filterConfig = wl.whole ? localConfig(wl.whole.policy) : { '@type': LOCAL_TYPE, stat_prefix: 'http_local_rate_limiter' };
  const patches: TObj[] = [httpFilterPatch(wl.context, { name: LOCAL_FILTER, typed_config: filterConfig })];
  for (const r of wl.routes) for (const name of r.names) patches.push(routePatch(wl.context, name, { typed_per_filter_config: { [LOCAL_FILTER]: localConfig(r.policy) } }));
  void ctx;
  return {
    apiVersion: 'networking.istio.io/v1alpha3',
    kind: 'EnvoyFilter',
    metadata: { name: objectName(wl.name, 'local-ratelimit'), namespace: wl.namespace },
    spec: { workloadSelector: { labels: wl.labels }, configPatches: patches },
  };
}

function actionsOf(p: TRateLimit, id: string): TObj[] {
  const actions: TObj[] = [{ generic_key: { descriptor_key: 'policy', descriptor_value: id } }];
  if (p.by?.header) actions.push({ request_headers: { header_name: p.by.header, descriptor_key: 'header' } });
  if (p.by?.source) actions.push({ remote_address: {} });
  if (p.by?.path) actions.push({ request_headers: { header_name: ':path', descriptor_key: 'path' } });
  return actions;
}

function globalFilter(ctx: IstioContext, wl: TWorkload): TManifest {
  const cluster = `outbound|${RLS_PORT}||${serviceHost('ratelimit', wl.namespace)}`;
  const patches: TObj[] = [
    httpFilterPatch(wl.context, {
      name: GLOBAL_FILTER,
      typed_config: {
        '@type': GLOBAL_TYPE,
        domain: domainOf(ctx),
        failure_mode_deny: false,
        timeout: '100ms',
        ...(statusOf(wl) ? { rate_limited_status: { code: statusOf(wl) } } : {}),
        rate_limit_service: { grpc_service: { envoy_grpc: { cluster_name: cluster }, timeout: '100ms' }, transport_api_version: 'V3' },
      },
    }),
  ];
  if (wl.whole)
    patches.push({
      applyTo: 'VIRTUAL_HOST',
      match: { context: wl.context, routeConfiguration: { vhost: { route: { action: 'ANY' } } } },
      patch: { operation: 'MERGE', value: { rate_limits: [{ actions: actionsOf(wl.whole.policy, wl.whole.id) }] } },
    });
  for (const r of wl.routes) for (const name of r.names) patches.push(routePatch(wl.context, name, { route: { rate_limits: [{ actions: actionsOf(r.policy, r.id) }] } }));
  return {
    apiVersion: 'networking.istio.io/v1alpha3',
    kind: 'EnvoyFilter',
    metadata: { name: objectName(wl.name, 'global-ratelimit'), namespace: wl.namespace },
    spec: { workloadSelector: { labels: wl.labels }, configPatches: patches },
  };
}

function statusOf(wl: TWorkload): number | undefined {
  const statuses = [...(wl.whole ? [wl.whole.policy.status] : []), ...wl.routes.map((r) => r.policy.status)];
  const s = statuses.find((x) => x !== 429);
  return s;
}

const UNITS: [string, number][] = [
  ['second', 1000],
  ['minute', 60_000],
  ['hour', 3_600_000],
  ['day', 86_400_000],
];

/** The rate-limit service's descriptor tree for one policy (generic key, then each `by` key). */
function descriptorConfig(ctx: IstioContext, p: TRateLimit, path: TPath, id: string): TObj {
  const ms = durationMs(p.interval);
  const [unit, unitMs] = UNITS.find(([, u]) => u >= ms) ?? ['day', 86_400_000];
  let perUnit = p.requests;
  if (unitMs !== ms) {
    perUnit = Math.max(1, Math.round((p.requests * unitMs) / ms));
    ctx.info([...path, 'interval'], `Istio: the rate-limit service counts per second, minute, hour or day; ${p.requests} per ${p.interval} becomes ${perUnit} per ${unit}`);
  }
  if (p.burst !== undefined) ctx.info([...path, 'burst'], 'Istio: the rate-limit service uses fixed windows; burst is not rendered for a global limit');
  const limit = { rate_limit: { unit, requests_per_unit: perUnit } };
  const keys = [p.by?.header ? 'header' : undefined, p.by?.source ? 'remote_address' : undefined, p.by?.path ? 'path' : undefined].filter((k): k is string => !!k);
  if (p.by?.source) ctx.info([...path, 'by', 'source'], 'Istio: Envoy has no descriptor for the calling service; buckets are per caller address (pod)');
  let node: TObj = keys.length === 0 ? { key: 'policy', value: id, ...limit } : { key: keys[keys.length - 1], ...limit };
  for (let i = keys.length - 2; i >= 0; i--) node = { key: keys[i], descriptors: [node] };
  return keys.length === 0 ? node : { key: 'policy', value: id, descriptors: [node] };
}
