/**
 * Pattern policies → Consul config entries.
 * - Caller-side (Envoy cluster) settings live in the *caller's* ServiceDefaults
 *   `upstreamConfig.overrides[name=<target>]`: CircuitBreaker / passive HealthCheck
 *   (passiveHealthCheck) and ConnectionLimits (limits). Ingress gateways routing to the target
 *   get the same settings on their listener service entry (see gateways.ts).
 * - Target-side: ServiceResolver (connect/request timeouts, load balancer, locality), ServiceRouter
 *   (retries, idle timeout), ServiceDefaults (instance rate limits, mutualTLSMode).
 * - Mesh-wide: ProxyDefaults `global` (access logs, Prometheus, tracing, mutualTLSMode), Mesh.
 */
import type { TPolicy } from '@/patterns/language/schema';
import { durationMs, goDuration } from '../shared/k8s';
import { compact, type ConsulContext, isL7, type TJson, type TUpstreamOverride } from './context';
import { httpMatch, retryFields } from './routing';

type TPath = (string | number)[];

export function renderPolicies(ctx: ConsulContext) {
  ctx.pattern.spec.policies.forEach((p, i) => {
    const path: TPath = ['spec', 'policies', i];
    switch (p.kind) {
      case 'CircuitBreaker':
        return upstream(ctx, p, path, (o) => {
          o.passiveHealthCheck = compact({
            interval: goDuration(durationMs(p.interval)),
            maxFailures: p.consecutiveErrors,
            enforcingConsecutive5xx: 100,
            baseEjectionTime: goDuration(durationMs(p.ejectionTime)),
            maxEjectionPercent: Math.round(p.maxEjectionPercent),
          });
          if (p.consecutiveGatewayErrors) ctx.diag([...path, 'consecutiveGatewayErrors'], 'Consul counts consecutive 5xx only: consecutiveGatewayErrors is not rendered', 'circuit-breaker');
          if (p.minHealthPercent !== undefined) ctx.diag([...path, 'minHealthPercent'], 'Consul has no minimum healthy percentage for ejection: not rendered', 'circuit-breaker');
        });
      case 'HealthCheck':
        if (p.passive) {
          const passive = p.passive;
          upstream(ctx, p, path, (o) => {
            o.passiveHealthCheck = {
              ...o.passiveHealthCheck,
              interval: goDuration(durationMs(passive.interval)),
              maxFailures: passive.consecutiveErrors,
              enforcingConsecutive5xx: 100,
              baseEjectionTime: goDuration(durationMs(passive.ejectionTime)),
            };
          });
        }
        return; // active checks: none (Consul takes health from the pods' readiness)
      case 'ConnectionLimits': {
        const target = serviceTarget(ctx, p, path);
        upstream(ctx, p, path, (o) => {
          const limits = compact({ maxConnections: p.maxConnections, maxPendingRequests: p.maxPendingRequests, maxConcurrentRequests: p.maxRequests });
          if (Object.keys(limits).length) o.limits = { ...o.limits, ...limits };
        });
        if (p.connectTimeout && target) resolverOf(ctx, target).connectTimeout = goDuration(durationMs(p.connectTimeout));
        if (p.maxRequestsPerConnection) ctx.diag([...path, 'maxRequestsPerConnection'], 'Consul has no per-connection request limit: maxRequestsPerConnection is not rendered', 'connection-limits');
        return;
      }
      case 'RateLimit':
        return rateLimit(ctx, p, path);
      case 'Retry':
        return retryPolicy(ctx, p, path);
      case 'Timeout':
        return timeoutPolicy(ctx, p, path);
      case 'LoadBalancing':
        return loadBalancing(ctx, p, path);
      case 'LocalityFailover': {
        const target = serviceTarget(ctx, p, path);
        if (!target) return;
        resolverOf(ctx, target).prioritizeByLocality = { mode: 'failover' };
        ctx.diag(path, 'Consul prefers the nearest healthy instances (prioritizeByLocality: failover, zone then region); explicit from→to region pairs and failoverPriority are not expressible and not rendered', 'locality-failover', 'info');
        return;
      }
      case 'MutualTLS':
        return mutualTls(ctx, p, path);
      case 'AccessLog':
        return accessLog(ctx, p, path);
      case 'Metrics':
        return metrics(ctx, p, path);
      case 'Tracing':
        return tracing(ctx, p, path);
      case 'Authorization': // intentions.ts
      case 'RetryBudget': // none
      case 'FaultInjection': // none
        return;
      default: {
        const exhaustive: never = p;
        return exhaustive;
      }
    }
  });
}

/** The service a target-side policy configures; gateways have no resolver/router of their own. */
function serviceTarget(ctx: ConsulContext, p: TPolicy, path: TPath): string | undefined {
  const { name } = ctx.policyTarget(p);
  if (name && ctx.gateways.has(name)) {
    ctx.diag(path, `${name} is a gateway: Consul sets ${p.kind} on the services behind it (ServiceResolver/ServiceRouter), so this policy is not rendered`);
    return undefined;
  }
  return name;
}

function resolverOf(ctx: ConsulContext, service: string): TJson {
  return ctx.entry(service).resolver;
}

/** Apply `fn` to the upstream override every caller of the policy's target has for it. */
function upstream(ctx: ConsulContext, p: TPolicy, path: TPath, fn: (o: TUpstreamOverride) => void) {
  const { name, route } = ctx.policyTarget(p);
  if (!name) return;
  if (route) ctx.diag(path, `Consul applies caller-side limits per upstream service: the policy covers all of ${name}, not only route ${p.route}`, undefined, 'info');
  const gateway = ctx.gateways.get(name);
  if (gateway) {
    // Settings for a gateway's own upstreams: IngressGateway `defaults` (gateways.ts reads them).
    const o = (ctx.entry(`gateway:${name}`, gateway.namespace).upstreams.get('*') ?? { name: '*' }) as TUpstreamOverride;
    fn(o);
    ctx.entry(`gateway:${name}`, gateway.namespace).upstreams.set('*', o);
    return;
  }
  const callers = ctx.callersOf(name);
  const viaGateways = ctx.gatewaysRoutingTo(name);
  if (callers.length === 0 && viaGateways.length === 0) {
    ctx.diag(path, `Consul configures these limits on the callers of ${name} (ServiceDefaults upstreamConfig), and the pattern declares none: not rendered`);
    return;
  }
  for (const c of callers) {
    const entry = ctx.entry(c.name);
    const o = entry.upstreams.get(name) ?? { name };
    fn(o);
    entry.upstreams.set(name, o);
  }
  // Ingress gateways: per-service settings on their listener entries (gateways.ts).
  for (const g of viaGateways) {
    const entry = ctx.entry(`gateway:${g.name}`, g.namespace);
    const o = entry.upstreams.get(name) ?? { name };
    fn(o);
    entry.upstreams.set(name, o);
  }
}

function rateLimit(ctx: ConsulContext, p: Extract<TPolicy, { kind: 'RateLimit' }>, path: TPath) {
  if (p.scope === 'global') return; // none: reported by capability
  const { name, route } = ctx.policyTarget(p);
  if (!name || !ctx.services.has(name)) {
    if (name) ctx.diag(path, `Consul rate limits are set on the receiving service's instances; ${name} is not a mesh service: not rendered`, 'rate-limit-local');
    return;
  }
  const seconds = durationMs(p.interval) / 1000;
  const exact = p.requests / seconds;
  const rps = Math.max(1, Math.round(exact));
  if (rps !== exact) ctx.diag([...path, 'interval'], `Consul limits requests per second: ${p.requests} per ${p.interval} is rendered as ${rps}/s`, 'rate-limit-local');
  if (p.status !== 429) ctx.diag([...path, 'status'], 'Consul always answers rate-limited requests with 429', 'rate-limit-local');
  if (p.by) ctx.diag([...path, 'by'], 'Consul instance-level limits have no per-header/source buckets: `by` is not rendered', 'rate-limit-local');
  const limit = compact({ requestsPerSecond: rps, requestsMaxBurst: p.burst !== undefined ? rps + p.burst : undefined });
  const entry = ctx.entry(name);
  const rl = ((entry.defaults.rateLimits ??= { instanceLevel: {} }) as TJson).instanceLevel as TJson;
  if (!route) {
    Object.assign(rl, limit);
    return;
  }
  const paths = route.rules.flatMap((r) => r.match.map((m) => (m.path ? httpMatch({ path: m.path }) : undefined))).filter((m): m is TJson => m !== undefined);
  if (paths.length === 0) paths.push({ pathPrefix: '/' });
  if (route.rules.some((r) => r.match.some((m) => m.headers || m.method || m.query))) {
    ctx.diag(path, `Consul route rate limits match paths only: route ${p.route}'s header/method/query conditions are not part of the limit`, 'rate-limit-local');
  }
  const routes = (rl.routes ??= []) as TJson[];
  for (const m of paths) routes.push({ ...m, ...limit });
}

/** Retries on every router route of the service (or of one route); a catch-all route is added when needed. */
/** The router owner of a policy: a gateway route's virtual service, or the target service. */
function routerOwner(ctx: ConsulContext, p: TPolicy, name: string | undefined): string | undefined {
  return (p.route && ctx.gatewayRouteOwners.get(p.route)) || name;
}

function retryPolicy(ctx: ConsulContext, p: Extract<TPolicy, { kind: 'Retry' }>, path: TPath) {
  const name = routerOwner(ctx, p, serviceTarget(ctx, p, path));
  if (!name) return;
  const fields = retryFields(ctx, p, path);
  routerDefaults(ctx, name, path, fields, 'retries', (d) => d.numRetries === undefined);
}

function timeoutPolicy(ctx: ConsulContext, p: Extract<TPolicy, { kind: 'Timeout' }>, path: TPath) {
  const name = serviceTarget(ctx, p, path);
  const { route } = ctx.policyTarget(p);
  if (!name) return;
  if (route) {
    const owner = routerOwner(ctx, p, name) as string;
    if (p.request) routerDefaults(ctx, owner, path, { requestTimeout: goDuration(durationMs(p.request)) }, 'request-timeout', (d) => d.requestTimeout === undefined);
    if (p.idle) routerDefaults(ctx, owner, path, { idleTimeout: goDuration(durationMs(p.idle)) }, 'request-timeout', (d) => d.idleTimeout === undefined);
  } else {
    const resolver = resolverOf(ctx, name);
    if (p.request) resolver.requestTimeout = goDuration(durationMs(p.request));
    if (p.idle) routerDefaults(ctx, name, path, { idleTimeout: goDuration(durationMs(p.idle)) }, 'request-timeout', (d) => d.idleTimeout === undefined);
  }
  if (p.connect) resolverOf(ctx, name).connectTimeout = goDuration(durationMs(p.connect));
}

/** Add destination fields to every ServiceRouter route of `service` that lacks them, plus a catch-all route. */
function routerDefaults(ctx: ConsulContext, service: string, path: TPath, fields: TJson, feature: 'retries' | 'request-timeout', lacks: (d: TJson) => boolean) {
  const entry = ctx.entry(service);
  if (!isL7(entry.protocol)) {
    ctx.diag(path, `${service} speaks TCP: Consul sets ${feature === 'retries' ? 'retries' : 'request timeouts'} on ServiceRouter routes, which need an HTTP-family protocol; not rendered`, feature);
    return;
  }
  for (const r of entry.routes) {
    const d = r.destination as TJson;
    if (lacks(d)) Object.assign(d, fields);
  }
  const catchAll = entry.routes.find((r) => r.match === undefined);
  if (!catchAll) entry.routes.push({ destination: { service, ...fields } });
}

function loadBalancing(ctx: ConsulContext, p: Extract<TPolicy, { kind: 'LoadBalancing' }>, path: TPath) {
  const name = serviceTarget(ctx, p, path);
  const { route } = ctx.policyTarget(p);
  if (!name) return;
  if (route) ctx.diag(path, `Consul load balancing is per service: the policy covers all of ${name}`, 'load-balancing', 'info');
  let policy = p.algorithm.replace('-', '_');
  const lb: TJson = {};
  const sa = p.sessionAffinity;
  if (sa) {
    if (policy !== 'ring_hash' && policy !== 'maglev') {
      ctx.diag([...path, 'algorithm'], 'session affinity needs a hashing load balancer: rendered with ring_hash', 'session-affinity', 'info');
      policy = 'ring_hash';
    }
    let hash: TJson;
    if (sa.cookie) hash = { field: 'cookie', fieldValue: sa.cookie.name, ...(sa.cookie.ttl || sa.cookie.path ? { cookieConfig: compact({ ttl: sa.cookie.ttl ? goDuration(durationMs(sa.cookie.ttl)) : undefined, path: sa.cookie.path }) } : {}) };
    else if (sa.header) hash = { field: 'header', fieldValue: sa.header };
    else if (sa.queryParameter) hash = { field: 'query_parameter', fieldValue: sa.queryParameter };
    else hash = { sourceIP: true };
    lb.hashPolicies = [hash];
  }
  resolverOf(ctx, name).loadBalancer = { policy, ...lb };
}

function mutualTls(ctx: ConsulContext, p: Extract<TPolicy, { kind: 'MutualTLS' }>, path: TPath) {
  if (p.mode === 'disabled') {
    ctx.diag(path, 'Consul service mesh always uses mTLS between sidecars; it cannot be disabled for meshed services', 'mtls');
    return;
  }
  if (p.mode === 'permissive') ctx.mesh.allowEnablingPermissiveMutualTLS = true;
  const { name } = ctx.policyTarget(p);
  if (name) {
    if (ctx.services.has(name)) ctx.entry(name).defaults.mutualTLSMode = p.mode;
    else ctx.diag(path, `${name} is not a mesh service: Consul sets mutualTLSMode on services`, 'mtls', 'info');
    return;
  }
  if (p.namespace) {
    for (const s of ctx.index.servicesIn(p.namespace)) ctx.entry(s.name).defaults.mutualTLSMode = p.mode;
    ctx.diag(path, `Consul has no namespace-wide mTLS setting: mutualTLSMode ${p.mode} is set on each service of namespace ${p.namespace} in the pattern`, 'mtls', 'info');
    return;
  }
  ctx.proxyDefaults.mutualTLSMode = p.mode;
}

function meshWideOnly(ctx: ConsulContext, p: { target?: string; route?: string; namespace?: string }, path: TPath, what: string, feature: 'access-log' | 'tracing' | 'metrics') {
  if (p.target || p.route || p.namespace) ctx.diag(path, `Consul configures ${what} for the whole mesh (ProxyDefaults global): it applies beyond ${p.target ?? p.route ?? `namespace ${p.namespace}`}`, feature, 'info');
}

const ENVOY_TEXT_FORMAT =
  '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"\n';

function accessLog(ctx: ConsulContext, p: Extract<TPolicy, { kind: 'AccessLog' }>, path: TPath) {
  meshWideOnly(ctx, p, path, 'access logs', 'access-log');
  if (ctx.proxyDefaults.accessLogs) {
    ctx.diag(path, 'Consul has one access-log configuration for the mesh: this AccessLog policy is merged into the first one', 'access-log', 'info');
    return;
  }
  if (p.filter) ctx.diag([...path, 'filter'], 'Consul access logs cannot be filtered: every request is logged', 'access-log');
  const type = p.path === '/dev/stdout' ? 'stdout' : p.path === '/dev/stderr' ? 'stderr' : 'file';
  ctx.proxyDefaults.accessLogs = compact({
    enabled: true,
    type,
    path: type === 'file' ? p.path : undefined,
    textFormat: p.format === 'text' ? ENVOY_TEXT_FORMAT : undefined,
  });
}

function config(ctx: ConsulContext): TJson {
  return (ctx.proxyDefaults.config ??= {}) as TJson;
}

function metrics(ctx: ConsulContext, p: Extract<TPolicy, { kind: 'Metrics' }>, path: TPath) {
  meshWideOnly(ctx, p, path, 'Prometheus metrics', 'metrics');
  if (p.provider !== 'prometheus') ctx.diag([...path, 'provider'], 'Consul exposes Envoy metrics for Prometheus scraping; OpenTelemetry export is not configured', 'metrics');
  if (p.tags) ctx.diag([...path, 'tags'], 'Consul cannot add dimensions to Envoy request metrics: tags are not rendered', 'metrics');
  config(ctx).envoy_prometheus_bind_addr = '0.0.0.0:9102';
}

function tracing(ctx: ConsulContext, p: Extract<TPolicy, { kind: 'Tracing' }>, path: TPath) {
  meshWideOnly(ctx, p, path, 'tracing', 'tracing');
  const c = config(ctx);
  if (c.envoy_tracing_json) {
    ctx.diag(path, 'Consul has one tracing configuration for the mesh: only the first Tracing policy is rendered', 'tracing');
    return;
  }
  const defaults = { opentelemetry: 'otel-collector:4317', zipkin: 'zipkin:9411', jaeger: 'jaeger-collector:9411', datadog: 'datadog-agent:8126' } as const;
  const endpoint = p.endpoint ?? defaults[p.provider];
  if (!p.endpoint) ctx.diag(path, `no collector endpoint given: Consul's tracing is rendered for ${endpoint}`, 'tracing', 'info');
  const [host = endpoint, portText] = endpoint.split(':');
  const port = Number(portText ?? (p.provider === 'opentelemetry' ? 4317 : p.provider === 'datadog' ? 8126 : 9411));
  const cluster = 'meshloom_tracing_collector';
  let driver: TJson;
  if (p.provider === 'opentelemetry') {
    driver = { name: 'envoy.tracers.opentelemetry', typedConfig: { '@type': 'type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig', grpc_service: { envoy_grpc: { cluster_name: cluster } }, service_name: 'consul-mesh' } };
  } else if (p.provider === 'datadog') {
    driver = { name: 'envoy.tracers.datadog', typedConfig: { '@type': 'type.googleapis.com/envoy.config.trace.v3.DatadogConfig', collector_cluster: cluster, service_name: 'consul-mesh' } };
  } else {
    driver = { name: 'envoy.tracers.zipkin', typedConfig: { '@type': 'type.googleapis.com/envoy.config.trace.v3.ZipkinConfig', collector_cluster: cluster, collector_endpoint_version: 'HTTP_JSON', collector_endpoint: '/api/v2/spans', shared_span_context: false } };
  }
  c.envoy_tracing_json = JSON.stringify({ http: driver });
  c.envoy_extra_static_clusters_json = JSON.stringify({
    name: cluster,
    type: 'STRICT_DNS',
    connect_timeout: '5s',
    lb_policy: 'ROUND_ROBIN',
    ...(p.provider === 'opentelemetry' ? { typed_extension_protocol_options: { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': { '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions', explicit_http_config: { http2_protocol_options: {} } } } } : {}),
    load_assignment: { cluster_name: cluster, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: host, port_value: port } } } }] }] },
  });
  if (p.samplingPercentage !== 100) ctx.diag([...path, 'samplingPercentage'], 'Consul\'s proxy tracing config has no sampling rate: Envoy samples per its defaults (or the x-b3-sampled decision of the caller)', 'tracing');
  if (p.tags) ctx.diag([...path, 'tags'], 'custom span tags are not expressible in Consul\'s tracing config: not rendered', 'tracing');
}
