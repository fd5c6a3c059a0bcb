/**
 * The Meshloom pattern file: the one definition of its shape.
 *
 * Everything else derives from this module: the TypeScript types, the JSON Schema served to
 * editors (see `json-schema.ts`), the server's validation and the canonical serializer's
 * knowledge of defaults. Universal code: it imports nothing from Next, React, tRPC or Prisma.
 *
 * Conventions: zod schemas are named `ZThing`, their parsed types `TThing`.
 */
import { z } from 'zod';

export const API_VERSION = 'meshloom.dev/v1alpha1';
export const PATTERN_KIND = 'Pattern';

/** Every mesh (and data plane) an adapter can render for. Overrides are keyed by these ids. */
export const MESH_IDS = ['istio', 'linkerd', 'consul', 'kuma', 'osm', 'smi', 'gateway-api', 'haproxy'] as const;
export type TMeshId = (typeof MESH_IDS)[number];

export const CATEGORIES = [
  'foundational',
  'deployment',
  'workloads',
  'traffic-management',
  'resiliency',
  'security',
  'observability',
  'scaling',
  'troubleshooting',
  'performance',
  'standards',
] as const;
export type TCategory = (typeof CATEGORIES)[number];

/** `500ms`, `2s`, `1m30s`, `1h`: one or more number+unit groups. */
export const DURATION_RE = /^(\d+(\.\d+)?(ms|s|m|h))+$/;
/** DNS-1123 label: what Kubernetes accepts as a Service name. */
export const NAME_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** A whole-value parameter reference: `${params.weight}`. */
export const PARAM_REF_RE = /^\$\{params\.([A-Za-z_][A-Za-z0-9_]*)\}$/;
/** Parameter references anywhere inside a string. */
export const PARAM_REF_GLOBAL_RE = /\$\{params\.([A-Za-z_][A-Za-z0-9_]*)\}/g;

// A message that starts with a code is mapped to that code by the diagnostics layer.
const name = () =>
  z
    .string()
    .max(63, 'ML2006 names are at most 63 characters (a DNS-1123 label)')
    .regex(NAME_RE, 'ML2006 use lower-case letters, digits and "-", starting and ending with a letter or digit');
const duration = () =>
  z.string().regex(DURATION_RE, 'ML3004 bad duration: use a number with a unit, like 500ms, 2s, 1m or 1m30s');
const percentage = () => z.number().min(0).max(100);
const port = () => z.number().int().min(1).max(65535);
const stringMap = () => z.record(z.string(), z.string());

// ---------------------------------------------------------------------------------------------
// metadata and parameters

export const ZMetadata = z
  .strictObject({
    name: name().describe('Unique slug of the pattern (DNS-1123 label), used in URLs and includes.'),
    title: z.string().min(1).max(120).describe('Human title shown in the catalog.'),
    category: z.enum(CATEGORIES).describe('Catalog category.'),
    tags: z.array(z.string().min(1).max(40)).default([]).describe('Free-form tags for search and filters.'),
    summary: z.string().max(300).default('').describe('One-line summary.'),
    description: z.string().default('').describe('Markdown: intent, when to use, how it works, best practices, caveats.'),
  })
  .describe('Who the pattern is and how the catalog shows it.');

export const PARAMETER_TYPES = ['integer', 'number', 'string', 'boolean', 'duration', 'enum'] as const;

export const ZParameter = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'ML2006 parameter names are identifiers, like weight or maxRetries'),
    type: z.enum(PARAMETER_TYPES).default('string'),
    title: z.string().optional(),
    description: z.string().optional(),
    default: z.union([z.string(), z.number(), z.boolean()]).optional().describe('Value used when none is given.'),
    min: z.number().optional(),
    max: z.number().optional(),
    values: z.array(z.string()).optional().describe('Allowed values of an enum parameter.'),
  })
  .describe('A tunable value, referenced anywhere in spec as ${params.<name>}.');

// ---------------------------------------------------------------------------------------------
// services, gateways, external services

export const PROTOCOLS = ['http', 'http2', 'grpc', 'tcp'] as const;

export const ZServicePort = z.strictObject({
  port: port(),
  name: z.string().optional(),
  protocol: z.enum(PROTOCOLS).optional().describe("Defaults to the service's protocol."),
  targetPort: port().optional(),
});

export const ZVersion = z.strictObject({
  name: name().describe('Version name, e.g. v1; selected by the label version=<name> unless labels say otherwise.'),
  labels: stringMap().optional().describe('Pod labels that select this version (default: {version: <name>}).'),
  replicas: z.number().int().min(0).max(1000).default(1),
  image: z.string().optional().describe('Container image; the sample workload when absent.'),
  latency: duration().optional().describe('Sample workload: added latency per request.'),
  errorRate: z.number().min(0).max(1).optional().describe('Sample workload: share of requests answered 500 (0..1).'),
  locality: z.string().optional().describe('region/zone/subzone this version runs in.'),
});

export const ZService = z
  .strictObject({
    name: name(),
    namespace: name().default('default'),
    protocol: z.enum(PROTOCOLS).default('http'),
    ports: z
      .array(z.union([port(), ZServicePort]))
      .min(1)
      .default([80])
      .transform((ps) => ps.map((p) => (typeof p === 'number' ? { port: p } : p)))
      .describe('Ports, as numbers or {port, name, protocol}.'),
    versions: z
      .array(z.union([name(), ZVersion]))
      .default([])
      .transform((vs) => vs.map((v) => (typeof v === 'string' ? ZVersion.parse({ name: v }) : v)))
      .describe('Versions (subsets), as names or objects with labels.'),
    labels: stringMap().optional(),
    calls: z.array(name()).default([]).describe('Services this one calls (sample workload traffic, and the diagram).'),
  })
  .describe('A workload in the mesh.');

export const ZGatewayListener = z.strictObject({
  port: port(),
  protocol: z.enum(['http', 'https', 'tls', 'tcp', 'grpc']).default('http'),
  hosts: z.array(z.string().min(1)).default(['*']),
  tls: z
    .strictObject({
      mode: z.enum(['terminate', 'passthrough', 'mutual']).default('terminate'),
      credentialName: z.string().optional().describe('Secret holding the certificate.'),
    })
    .optional(),
});

export const ZGateway = z
  .strictObject({
    name: name(),
    namespace: name().default('default'),
    type: z.enum(['ingress', 'egress']).default('ingress'),
    listeners: z.array(ZGatewayListener).min(1).default([{ port: 80, protocol: 'http', hosts: ['*'] }]),
  })
  .describe('An ingress (or egress) gateway at the edge of the mesh.');

export const ZExternalService = z
  .strictObject({
    name: name(),
    namespace: name().default('default'),
    hosts: z.array(z.string().min(1)).min(1),
    ports: z
      .array(
        z.strictObject({
          port: port(),
          protocol: z.enum(['http', 'https', 'tls', 'tcp', 'grpc']).default('https'),
          name: z.string().optional(),
        }),
      )
      .min(1)
      .default([{ port: 443, protocol: 'https' }]),
    resolution: z.enum(['dns', 'static', 'none']).default('dns'),
    addresses: z.array(z.string()).optional(),
    viaGateway: name().optional().describe('Egress gateway that traffic to this service must leave through.'),
  })
  .describe('A destination outside the mesh (egress).');

// ---------------------------------------------------------------------------------------------
// routes

export const ZStringMatch = z.union([
  z.string(),
  z
    .strictObject({
      exact: z.string().optional(),
      prefix: z.string().optional(),
      regex: z.string().optional(),
      present: z.boolean().optional(),
    })
    .refine((m) => Object.keys(m).length === 1, 'ML2004 a match takes exactly one of exact, prefix, regex, present'),
]);

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'] as const;

export const ZMatch = z
  .strictObject({
    path: z
      .union([
        z.string().startsWith('/', 'ML2006 paths start with "/"'),
        z
          .strictObject({ exact: z.string().optional(), prefix: z.string().optional(), regex: z.string().optional() })
          .refine((m) => Object.keys(m).length === 1, 'ML2004 a path match takes exactly one of exact, prefix, regex'),
      ])
      .optional()
      .describe('A string is a prefix match.'),
    method: z.union([z.enum(HTTP_METHODS), z.array(z.enum(HTTP_METHODS)).min(1)]).optional(),
    headers: z.record(z.string(), ZStringMatch).optional().describe('Header name -> exact value or {exact|prefix|regex|present}.'),
    query: z.record(z.string(), ZStringMatch).optional(),
    from: z.array(name()).optional().describe('Only requests from these services.'),
  })
  .describe('All given conditions must hold.');

export const ZBackend = z
  .strictObject({
    service: name().optional().describe("Another service (default: the route's service)."),
    version: name().optional(),
    weight: z.number().int().min(0).max(100).optional().describe('Share of traffic in percent; weights of a rule sum to 100.'),
    port: port().optional(),
  })
  .describe('Where matching traffic goes.');

export const RETRY_ON = [
  '5xx',
  'gateway-error',
  'reset',
  'connect-failure',
  'retriable-4xx',
  'refused-stream',
  'cancelled',
  'deadline-exceeded',
  'unavailable',
  'resource-exhausted',
  'retriable-status-codes',
] as const;

export const ZRetry = z.strictObject({
  attempts: z.number().int().min(0).max(100),
  perTryTimeout: duration().optional(),
  on: z.array(z.enum(RETRY_ON)).default(['5xx', 'connect-failure', 'reset']),
  statusCodes: z.array(z.number().int().min(100).max(599)).optional().describe('With on: retriable-status-codes.'),
  backoff: z.strictObject({ base: duration(), max: duration().optional() }).optional(),
});

export const ZFault = z
  .strictObject({
    abort: z.strictObject({ httpStatus: z.number().int().min(200).max(599), percentage: percentage() }).optional(),
    delay: z.strictObject({ fixedDelay: duration(), percentage: percentage() }).optional(),
  })
  .refine((f) => f.abort || f.delay, 'ML2001 a fault needs abort, delay or both');

export const ZHeaderOps = z.strictObject({
  set: stringMap().optional(),
  add: stringMap().optional(),
  remove: z.array(z.string()).optional(),
});

export const ZRouteRule = z.strictObject({
  name: name().optional(),
  match: z
    .union([ZMatch, z.array(ZMatch).min(1)])
    .optional()
    .transform((m) => (m === undefined ? [] : Array.isArray(m) ? m : [m]))
    .describe('One match, or a list of which any may hold. Absent: every request.'),
  backends: z.array(ZBackend).default([]).describe('Absent with a redirect; otherwise at least one.'),
  timeout: duration().optional(),
  retries: ZRetry.optional(),
  fault: ZFault.optional(),
  mirror: z
    .strictObject({ service: name().optional(), version: name().optional(), percentage: percentage().default(100) })
    .optional(),
  rewrite: z.strictObject({ path: z.string().optional(), prefix: z.string().optional(), host: z.string().optional() }).optional(),
  redirect: z
    .strictObject({
      path: z.string().optional(),
      host: z.string().optional(),
      scheme: z.enum(['http', 'https']).optional(),
      port: port().optional(),
      statusCode: z.union([z.literal(301), z.literal(302), z.literal(303), z.literal(307), z.literal(308)]).default(302),
    })
    .optional(),
  headers: z.strictObject({ request: ZHeaderOps.optional(), response: ZHeaderOps.optional() }).optional(),
});

export const ZRoute = z
  .strictObject({
    name: name().optional().describe('Defaults to the service name (plus the gateway, if any).'),
    service: name().describe('The service whose traffic this route steers.'),
    gateway: name().optional().describe('Attach to an ingress gateway instead of mesh (east-west) traffic.'),
    hosts: z.array(z.string()).optional().describe('Host names matched at the gateway.'),
    rules: z.array(ZRouteRule).min(1),
  })
  .describe('How requests to a service are matched and where they go (Gateway-API-like semantics).');

// ---------------------------------------------------------------------------------------------
// policies

const attach = {
  target: name().optional().describe('Service, gateway or external service the policy applies to.'),
  route: name().optional().describe('Route the policy applies to (instead of target).'),
};
const meshWideAttach = {
  target: name().optional().describe('Service, gateway or external service; absent: the whole mesh (or namespace).'),
  route: name().optional(),
  namespace: name().optional().describe('Limit a mesh-wide policy to one namespace.'),
};

export const ZCircuitBreaker = z
  .strictObject({
    kind: z.literal('CircuitBreaker'),
    ...attach,
    consecutiveErrors: z.number().int().min(1).default(5).describe('5xx answers in a row that eject an endpoint.'),
    consecutiveGatewayErrors: z.number().int().min(1).optional(),
    interval: duration().default('10s').describe('How often ejection is evaluated.'),
    ejectionTime: duration().default('30s').describe('Base time an ejected endpoint stays out.'),
    maxEjectionPercent: percentage().default(50),
    minHealthPercent: percentage().optional(),
  })
  .describe('Outlier ejection: take failing endpoints out of rotation and bring them back.');

export const ZConnectionLimits = z
  .strictObject({
    kind: z.literal('ConnectionLimits'),
    ...attach,
    maxConnections: z.number().int().min(1).optional(),
    maxPendingRequests: z.number().int().min(1).optional(),
    maxRequests: z.number().int().min(1).optional().describe('Concurrent requests (HTTP/2).'),
    maxRequestsPerConnection: z.number().int().min(1).optional(),
    connectTimeout: duration().optional(),
  })
  .describe('Bulkhead: cap connections and queued requests so one caller cannot exhaust a service.');

export const ZRateLimit = z
  .strictObject({
    kind: z.literal('RateLimit'),
    ...attach,
    scope: z.enum(['local', 'global']).default('local').describe('local: per proxy; global: shared by a rate-limit service.'),
    requests: z.number().int().min(1),
    interval: duration().default('1s'),
    burst: z.number().int().min(0).optional(),
    by: z
      .strictObject({ header: z.string().optional(), source: z.boolean().optional(), path: z.boolean().optional() })
      .optional()
      .describe('Separate buckets per header value, source service or path (global scope).'),
    status: z.number().int().min(400).max(599).default(429),
  })
  .describe('Cap the request rate; excess requests get 429.');

export const ZRetryBudget = z
  .strictObject({
    kind: z.literal('RetryBudget'),
    ...attach,
    retryRatio: z.number().min(0).max(1).default(0.2).describe('Retries allowed as a share of original requests.'),
    minRetriesPerSecond: z.number().int().min(0).default(10),
    ttl: duration().default('10s'),
  })
  .describe('Bound retries to a share of traffic so retries cannot amplify an outage.');

export const ZRetryPolicy = z
  .strictObject({ kind: z.literal('Retry'), ...attach, ...ZRetry.shape })
  .describe('Retries for every route to a service.');

export const ZTimeout = z
  .strictObject({
    kind: z.literal('Timeout'),
    ...attach,
    request: duration().optional().describe('Whole request, including retries.'),
    idle: duration().optional(),
    connect: duration().optional(),
  })
  .describe('Time limits for every request to a service.');

export const ZMutualTLS = z
  .strictObject({
    kind: z.literal('MutualTLS'),
    ...meshWideAttach,
    mode: z.enum(['strict', 'permissive', 'disabled']).default('strict'),
  })
  .describe('Encrypt and authenticate service-to-service traffic with mesh-issued certificates.');

export const ZAuthorizationRule = z.strictObject({
  from: z
    .strictObject({
      services: z.array(z.string()).optional().describe('Source services ("*" for any).'),
      namespaces: z.array(z.string()).optional(),
      ipBlocks: z.array(z.string()).optional(),
      authenticated: z.boolean().optional().describe('Only mTLS-authenticated callers.'),
    })
    .optional(),
  to: z
    .strictObject({
      paths: z.array(z.string()).optional().describe('Exact paths, or prefixes ending in "*".'),
      methods: z.array(z.enum(HTTP_METHODS)).optional(),
      ports: z.array(port()).optional(),
    })
    .optional(),
});

export const ZAuthorization = z
  .strictObject({
    kind: z.literal('Authorization'),
    ...meshWideAttach,
    action: z.enum(['allow', 'deny']).default('allow'),
    rules: z
      .array(ZAuthorizationRule)
      .default([])
      .describe('allow with no rules allows nothing (deny all); deny with no rules denies everything.'),
  })
  .describe('Allow or deny requests by source and by path/method.');

export const ZHealthCheck = z
  .strictObject({
    kind: z.literal('HealthCheck'),
    ...attach,
    active: z
      .strictObject({
        path: z.string().default('/health'),
        interval: duration().default('10s'),
        timeout: duration().default('1s'),
        healthyThreshold: z.number().int().min(1).default(2),
        unhealthyThreshold: z.number().int().min(1).default(3),
        expectedStatuses: z.array(z.number().int().min(100).max(599)).optional(),
      })
      .optional(),
    passive: z
      .strictObject({
        consecutiveErrors: z.number().int().min(1).default(5),
        interval: duration().default('10s'),
        ejectionTime: duration().default('30s'),
      })
      .optional(),
  })
  .refine((h) => h.active || h.passive, 'ML2001 a health check needs active, passive or both')
  .describe('Probe endpoints (active) and/or watch real traffic (passive).');

export const ZLoadBalancing = z
  .strictObject({
    kind: z.literal('LoadBalancing'),
    ...attach,
    algorithm: z.enum(['round-robin', 'least-request', 'random', 'ring-hash', 'maglev']).default('round-robin'),
    sessionAffinity: z
      .strictObject({
        cookie: z.strictObject({ name: z.string(), ttl: duration().optional(), path: z.string().optional() }).optional(),
        header: z.string().optional(),
        sourceIp: z.boolean().optional(),
        queryParameter: z.string().optional(),
      })
      .refine((s) => Object.keys(s).length === 1, 'ML2004 session affinity takes exactly one of cookie, header, sourceIp, queryParameter')
      .optional()
      .describe('Hash requests to the same endpoint (with ring-hash or maglev).'),
  })
  .describe('Choose how endpoints are picked, and optional session affinity.');

export const ZFaultInjection = z
  .strictObject({
    kind: z.literal('FaultInjection'),
    ...attach,
    abort: z.strictObject({ httpStatus: z.number().int().min(200).max(599), percentage: percentage() }).optional(),
    delay: z.strictObject({ fixedDelay: duration(), percentage: percentage() }).optional(),
  })
  .refine((f) => f.abort || f.delay, 'ML2001 fault injection needs abort, delay or both')
  .describe('Inject errors or delays into a share of requests (chaos engineering).');

export const ZLocalityFailover = z
  .strictObject({
    kind: z.literal('LocalityFailover'),
    ...attach,
    failover: z.array(z.strictObject({ from: z.string(), to: z.string() })).default([]),
    failoverPriority: z.array(z.string()).optional().describe('Labels that rank endpoints for failover.'),
  })
  .describe('Prefer endpoints in the local zone/region and fail over to another when they are unhealthy.');

export const ZAccessLog = z
  .strictObject({
    kind: z.literal('AccessLog'),
    ...meshWideAttach,
    format: z.enum(['text', 'json']).default('text'),
    path: z.string().default('/dev/stdout'),
    filter: z.string().optional().describe('CEL-like filter, e.g. response.code >= 400.'),
  })
  .describe('Log every request the proxies handle.');

export const ZTracing = z
  .strictObject({
    kind: z.literal('Tracing'),
    ...meshWideAttach,
    provider: z.enum(['opentelemetry', 'zipkin', 'jaeger', 'datadog']).default('opentelemetry'),
    endpoint: z.string().optional().describe('Collector address, host:port.'),
    samplingPercentage: percentage().default(1),
    tags: stringMap().optional(),
  })
  .describe('Emit distributed-tracing spans from the proxies.');

export const ZMetrics = z
  .strictObject({
    kind: z.literal('Metrics'),
    ...meshWideAttach,
    provider: z.enum(['prometheus', 'opentelemetry']).default('prometheus'),
    tags: stringMap().optional().describe('Extra dimensions added to request metrics.'),
  })
  .describe('Expose golden-signal metrics from the proxies.');

export const ZPolicy = z.discriminatedUnion('kind', [
  ZCircuitBreaker,
  ZConnectionLimits,
  ZRateLimit,
  ZRetryBudget,
  ZRetryPolicy,
  ZTimeout,
  ZMutualTLS,
  ZAuthorization,
  ZHealthCheck,
  ZLoadBalancing,
  ZFaultInjection,
  ZLocalityFailover,
  ZAccessLog,
  ZTracing,
  ZMetrics,
]);

export const POLICY_KINDS = [
  'CircuitBreaker',
  'ConnectionLimits',
  'RateLimit',
  'RetryBudget',
  'Retry',
  'Timeout',
  'MutualTLS',
  'Authorization',
  'HealthCheck',
  'LoadBalancing',
  'FaultInjection',
  'LocalityFailover',
  'AccessLog',
  'Tracing',
  'Metrics',
] as const satisfies readonly TPolicy['kind'][];
/** Kinds that may omit target and route and then apply mesh-wide. */
export const MESH_WIDE_POLICY_KINDS: readonly TPolicy['kind'][] = ['MutualTLS', 'Authorization', 'AccessLog', 'Tracing', 'Metrics'];

// ---------------------------------------------------------------------------------------------
// includes, overrides, layout, the pattern

export const ZInclude = z
  .strictObject({
    pattern: name().describe('Name of a catalog (or saved) pattern to include.'),
    params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  })
  .describe("Include another pattern's spec as a building block; name clashes are errors.");

/** A Kubernetes object, merged (JSON merge patch) into the rendered object of the same kind and name, or added. */
export const ZOverrideObject = z.looseObject({
  apiVersion: z.string().min(1),
  kind: z.string().min(1),
  metadata: z.looseObject({ name: z.string().min(1), namespace: z.string().optional() }),
});

export const ZOverrides = z
  .strictObject(Object.fromEntries(MESH_IDS.map((m) => [m, z.array(ZOverrideObject).optional()])) as Record<
    TMeshId,
    z.ZodOptional<z.ZodArray<typeof ZOverrideObject>>
  >)
  .describe('Mesh-specific objects merged into that mesh\'s rendered output.');

export const ZLayoutEntry = z.strictObject({ x: z.number(), y: z.number() });

export const ZSpec = z.strictObject({
  parameters: z.array(ZParameter).default([]),
  includes: z.array(ZInclude).default([]),
  services: z.array(ZService).default([]),
  gateways: z.array(ZGateway).default([]),
  externalServices: z.array(ZExternalService).default([]),
  routes: z.array(ZRoute).default([]),
  policies: z.array(ZPolicy).default([]),
  overrides: ZOverrides.default({}),
});

export const ZPattern = z
  .strictObject({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal(PATTERN_KIND),
    metadata: ZMetadata,
    spec: ZSpec,
    layout: z.record(z.string(), ZLayoutEntry).optional().describe('Canvas positions by node name; never part of the spec.'),
  })
  .describe('A Meshloom service-mesh pattern: mesh-agnostic intent, rendered by adapters for each mesh.');

export type TPattern = z.output<typeof ZPattern>;
export type TPatternInput = z.input<typeof ZPattern>;
export type TMetadata = z.output<typeof ZMetadata>;
export type TParameter = z.output<typeof ZParameter>;
export type TService = z.output<typeof ZService>;
export type TVersion = z.output<typeof ZVersion>;
export type TGateway = z.output<typeof ZGateway>;
export type TExternalService = z.output<typeof ZExternalService>;
export type TRoute = z.output<typeof ZRoute>;
export type TRouteRule = z.output<typeof ZRouteRule>;
export type TMatch = z.output<typeof ZMatch>;
export type TBackend = z.output<typeof ZBackend>;
export type TPolicy = z.output<typeof ZPolicy>;
export type TPolicyKind = TPolicy['kind'];
export type TInclude = z.output<typeof ZInclude>;
export type TOverrideObject = z.output<typeof ZOverrideObject>;
