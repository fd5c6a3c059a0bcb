/**
 * Performance checks: the vocabulary. A *profile* is an SMP PerformanceTestConfig (field names of
 * service-mesh-performance's protos/service_mesh_performance.proto, snake_case as in the proto);
 * a *load spec* is one generator's job (one URL, its share of rate and connections); a *run
 * result* is what a run measured (HDR histogram of latencies in µs, status codes, errors by kind,
 * completions per second). The SMP documents exported and imported are validated by the schemas
 * at the end of this file: exactly the proto fields (unknown ones are errors), plus Meshloom's own
 * `meshloom` section for what SMP has no field for (the histogram, status codes, errors).
 */
import { z } from 'zod';

// ---------------------------------------------------------------------------------------------
// small pieces

export const GENERATOR_IDS = ['builtin', 'wrk', 'fortio', 'nighthawk'] as const;
export type TGeneratorId = (typeof GENERATOR_IDS)[number];

/** SMP's Client.Protocol: the old lower-case names and the current PROTOCOL_* names. */
export const SMP_PROTOCOLS = ['http', 'tcp', 'udp', 'grpc'] as const;
export type TSmpProtocol = (typeof SMP_PROTOCOLS)[number];
const PROTOCOL_NAMES: Record<string, TSmpProtocol> = {
  http: 'http',
  tcp: 'tcp',
  udp: 'udp',
  grpc: 'grpc',
  PROTOCOL_HTTP: 'http',
  PROTOCOL_TCP: 'tcp',
  PROTOCOL_UDP: 'udp',
  PROTOCOL_GRPC: 'grpc',
};

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds of a Go-style duration (`30s`, `1m30s`, `500ms`, `1.5s`), or undefined. */
export function parseDurationMs(text: string): number | undefined {
  const s = text.trim();
  if (s === '' || s === '0') return s === '0' ? 0 : undefined;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let at = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    at = re.lastIndex;
  }
  return at === s.length && at > 0 ? total : undefined;
}

/** `30s`, `1m30s`, `250ms` for a number of milliseconds. */
export function formatDuration(ms: number): string {
  if (ms < 1000 || ms % 1000 !== 0) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60 || s % 60 !== 0) return s >= 60 ? `${Math.floor(s / 60)}m${s % 60}s` : `${s}s`;
  return `${s / 60}m`;
}

/** An integer field; proto3 JSON writes 64-bit integers as strings, so digit strings are accepted. */
const integer = (min: number, max: number) =>
  z
    .union([z.number(), z.string().regex(/^-?\d+$/, 'expected an integer').transform(Number)])
    .pipe(z.number().int('expected an integer').min(min, `must be ≥ ${min}`).max(max, `must be ≤ ${max}`));
const stringMap = () => z.record(z.string(), z.string());

// ---------------------------------------------------------------------------------------------
// the profile: SMP PerformanceTestConfig

export const ZPerfClient = z.strictObject({
  internal: z.boolean().optional(),
  load_generator: z
    .string()
    .optional()
    .transform((g, ctx) => {
      if (g === undefined || g === '') return 'builtin' as TGeneratorId;
      if ((GENERATOR_IDS as readonly string[]).includes(g)) return g as TGeneratorId;
      ctx.addIssue({ code: 'custom', message: `unknown load generator '${g}'; known: ${GENERATOR_IDS.join(', ')}` });
      return z.NEVER;
    }),
  protocol: z
    .string()
    .optional()
    .transform((p, ctx) => {
      if (p === undefined) return 'http' as TSmpProtocol;
      const known = PROTOCOL_NAMES[p];
      if (known) return known;
      ctx.addIssue({ code: 'custom', message: `unknown protocol '${p}'; SMP knows ${Object.keys(PROTOCOL_NAMES).join(', ')}` });
      return z.NEVER;
    }),
  connections: integer(1, 10_000).default(10),
  /** 0: as fast as the connections go (closed loop); otherwise a constant rate (open model). */
  rps: integer(0, 10_000_000).default(0),
  headers: stringMap().default({}),
  cookies: stringMap().default({}),
  body: z.string().optional(),
  content_type: z.string().optional(),
  /** Absolute http:// URLs on loopback, or paths (`/api`) resolved against the deployment's entry service. */
  endpoint_urls: z.array(z.string().min(1)).default([]),
  ssl_certificate: z.string().optional(),
  additional_options: z.string().optional(),
});

export const ZPerfProfile = z.strictObject({
  smp_version: z.string().optional(),
  id: z.string().optional(),
  name: z.string().min(1, 'a profile needs a name'),
  labels: stringMap().default({}),
  clients: z.array(ZPerfClient).min(1, 'a profile needs at least one client'),
  duration: z
    .string()
    .default('10s')
    .transform((d, ctx) => {
      const ms = parseDurationMs(d);
      if (ms === undefined || ms <= 0) {
        ctx.addIssue({ code: 'custom', message: `'${d}' is not a duration (e.g. 30s, 1m, 500ms)` });
        return z.NEVER;
      }
      if (ms > 24 * 3_600_000) {
        ctx.addIssue({ code: 'custom', message: 'longer than 24h' });
        return z.NEVER;
      }
      return d;
    }),
});

export type TPerfProfileInput = z.input<typeof ZPerfProfile>;
export type TPerfProfile = z.output<typeof ZPerfProfile>;
export type TPerfClient = z.output<typeof ZPerfClient>;

// ---------------------------------------------------------------------------------------------
// one generator's job and what it measured

export interface TLoadSpec {
  /** http://127.0.0.1:PORT/path (checked to be loopback before any generator sees it). */
  url: string;
  method: string;
  /** Every header to send, cookies (as one Cookie header) and content type included. */
  headers: Record<string, string>;
  body?: string;
  connections: number;
  /** Requests per second on a constant schedule; 0 = closed loop (each connection as fast as it can). */
  rps: number;
  durationMs: number;
  /** A request without a response after this long counts as a timeout error. */
  timeoutMs: number;
  /** Threads of the generator (built-in: worker threads; wrk: -t). Default 1. */
  threads?: number;
  /** Epoch ms at which the schedule starts (distributed workers share one); default: once connected. */
  startAt?: number;
  /** Also return every latency sample (µs) unbinned: for tests of histogram merging only. */
  keepSamples?: boolean;
}

/** Error kinds counted separately from HTTP status codes. */
export const ERROR_KINDS = ['connect', 'timeout', 'reset', 'closed', 'parse', 'write', 'unsent', 'incomplete', 'other'] as const;
export type TErrorKind = (typeof ERROR_KINDS)[number];

/**
 * What one generator (or one worker, or one thread) measured. Plain data, so it crosses thread
 * and process boundaries; `histogram` is an HdrHistogram V2 compressed base64 string of
 * latencies in µs (1 µs lowest discernible value, 3 significant digits).
 */
export interface TPartialRun {
  generator: TGeneratorId;
  generatorVersion?: string;
  /** Epoch ms of the schedule start (closed loop: when the first request was sent). */
  startMs: number;
  /** Epoch ms when measuring ended (closed loop: the deadline; constant rate: the last completion). */
  endMs: number;
  /** Completed responses (any status). */
  requests: number;
  statusCodes: Record<string, number>;
  /** Set when the generator only tells status classes (wrk without per-response scripting). */
  statusClasses?: { below400: number; from400: number };
  errors: Partial<Record<TErrorKind, number>>;
  /** Completions in each second from startMs (index 0 = first second). */
  perSecond: number[];
  histogram: string;
  /** Constant rate (built-in): how late each request left after its intended send time, µs. */
  lagHistogram?: string;
  bytesRead?: number;
  /** Every latency sample in µs, when the spec asked for `keepSamples`. */
  samples?: number[];
}

export type TRunMode = 'closed_loop' | 'constant_rate';

export interface TLatencySummaryMs {
  min: number;
  average: number;
  p50: number;
  p75: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  stdev: number;
}

/** A complete run: what was asked, what was measured (merged over clients, workers and threads). */
export interface TPerfRunResult {
  id: string;
  /** Id of the profile (SMP PerformanceTestConfig.id) it ran. */
  profileId: string;
  profileName: string;
  labels: Record<string, string>;
  generator: TGeneratorId;
  generatorVersion?: string;
  url: string;
  method: string;
  mode: TRunMode;
  requestedRps?: number;
  connections: number;
  workers: number;
  startTime: string;
  endTime: string;
  /** The measured window (ms) that actualRps is computed over. */
  durationMs: number;
  requests: number;
  actualRps: number;
  latencyMs: TLatencySummaryMs;
  histogram: string;
  statusCodes: Record<string, number>;
  statusClasses?: { below400: number; from400: number };
  errors: Partial<Record<TErrorKind, number>>;
  /** Completions per second, for a chart. */
  throughput: { second: number; requests: number }[];
  /** Latency is measured from each request's intended send time (constant rate). */
  coCorrected: boolean;
  scheduleLagMs?: { p50: number; p99: number; max: number };
  bytesRead?: number;
}

/** A load generator: the built-in one, or an external tool when installed. */
export interface TLoadGenerator {
  id: TGeneratorId;
  title: string;
  available(): Promise<{ ok: true; version?: string } | { ok: false; reason: string }>;
  /** Why this generator cannot run such a load (checked before anything is deployed), if it cannot. */
  refuses?(load: Pick<TLoadSpec, 'rps' | 'body'>): { message: string; hint?: string } | undefined;
  run(spec: TLoadSpec, options?: { signal?: AbortSignal }): Promise<TPartialRun>;
}

// ---------------------------------------------------------------------------------------------
// SMP documents (import): exactly the proto fields, snake_case

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/;
const timestamp = () => z.string().refine((s) => RFC3339.test(s) && !Number.isNaN(Date.parse(s)), 'expected an RFC 3339 timestamp (e.g. 2024-05-01T12:00:00.000Z)');
const nonNegative = () => z.number().finite().min(0, 'must be ≥ 0');
const int32 = () => integer(0, 2_147_483_647);
const int64 = () => integer(0, Number.MAX_SAFE_INTEGER);

export const ZSmpLatency = z.strictObject({
  min: nonNegative().optional(),
  average: nonNegative().optional(),
  p50: nonNegative().optional(),
  p90: nonNegative().optional(),
  p99: nonNegative().optional(),
  max: nonNegative().optional(),
});

export const ZSmpTestConfig = z.strictObject({
  smp_version: z.string().optional(),
  id: z.string().optional(),
  name: z.string().optional(),
  labels: stringMap().optional(),
  clients: z
    .array(
      z.strictObject({
        internal: z.boolean().optional(),
        load_generator: z.string().optional(),
        protocol: z.enum([...SMP_PROTOCOLS, 'PROTOCOL_INVALID', 'PROTOCOL_HTTP', 'PROTOCOL_TCP', 'PROTOCOL_UDP', 'PROTOCOL_GRPC']).optional(),
        connections: int32().optional(),
        rps: int64().optional(),
        headers: stringMap().optional(),
        cookies: stringMap().optional(),
        body: z.string().optional(),
        content_type: z.string().optional(),
        endpoint_urls: z.array(z.string()).optional(),
        ssl_certificate: z.string().optional(),
        additional_options: z.string().optional(),
      }),
    )
    .optional(),
  duration: z.string().refine((d) => parseDurationMs(d) !== undefined, 'not a duration (e.g. 30s)').optional(),
});

export const ZSmpTestResult = z.strictObject({
  smp_version: z.string().optional(),
  id: z.string().optional(),
  labels: stringMap().optional(),
  start_time: timestamp().optional(),
  end_time: timestamp().optional(),
  latencies_ms: ZSmpLatency.optional(),
  actual_qps: nonNegative().optional(),
  details_uri: z.string().optional(),
  test_id: z.string().optional(),
  mesh_config_id: z.string().optional(),
  env_id: z.string().optional(),
});

const ZSmpResources = {
  count: int32().optional(),
  cpu_mcores: int32().optional(),
  mem_mb: int32().optional(),
};
const ZSmpGateway = z.strictObject({ ...ZSmpResources, rps: int32().optional(), bps: int32().optional() });

export const SMP_MESH_TYPES = [
  'INVALID_MESH',
  'APP_MESH',
  'CONSUL',
  'ISTIO',
  'KUMA',
  'LINKERD',
  'TRAEFIK_MESH',
  'OCTARINE',
  'NETWORK_SERVICE_MESH',
  'TANZU',
  'OPEN_SERVICE_MESH',
  'NGINX_SERVICE_MESH',
  'CILIUM_SERVICE_MESH',
] as const;

export const ZSmpMeshConfig = z.strictObject({
  smp_version: z.string().optional(),
  id: z.string().optional(),
  labels: stringMap().optional(),
  ingress_gateway: ZSmpGateway.optional(),
  sidecar: ZSmpGateway.optional(),
  mesh_telemetry: z.strictObject({ ...ZSmpResources, rps: int32().optional() }).optional(),
  mesh_policy: z.strictObject({ ...ZSmpResources, rps: int32().optional(), cache_hit_rate: int32().optional() }).optional(),
  mesh_control_plane: z
    .strictObject({
      ...ZSmpResources,
      endpoints: int32().optional(),
      services: int32().optional(),
      sidecars: int32().optional(),
      virtual_services: int32().optional(),
      destination_rules: int32().optional(),
      lds_latency_ms: int32().optional(),
      cds_latency_ms: int32().optional(),
    })
    .optional(),
  mesh_policy_enabled: z.boolean().optional(),
  mesh_telemetry_enabled: z.boolean().optional(),
  mtls_enabled: z.boolean().optional(),
  proxy_concurrency: int32().optional(),
  mesh_build: z.string().optional(),
  proxy_build: z.string().optional(),
  exp_group_uuid: z.string().optional(),
  exp_uuid: z.string().optional(),
  profile: z.string().optional(),
  mesh_type: z
    .strictObject({
      type: z.enum(SMP_MESH_TYPES).optional(),
      version: z.string().optional(),
      labels: stringMap().optional(),
      annotations: stringMap().optional(),
    })
    .optional(),
  application_metadata: z
    .strictObject({
      application_name: z.string().optional(),
      application_version: z.string().optional(),
      helmchart_name: z.string().optional(),
      helmchart_version: z.string().optional(),
      cnabspec_version: z.string().optional(),
      compose_version: z.string().optional(),
      cluster_name: z.string().optional(),
      k8s_version_supported: z.string().optional(),
      application_protocol: z.enum(['PROTOCOL_INVALID', 'PROTOCOL_HTTP', 'PROTOCOL_HTTPS']).optional(),
    })
    .optional(),
});

export const ZSmpEnvironmentConfig = z.strictObject({
  smp_version: z.string().optional(),
  id: z.string().optional(),
  labels: stringMap().optional(),
  kubernetes_version: z.string().optional(),
  nodes: z.array(z.strictObject({ type: z.string().optional(), cores: int32().optional(), mem_mb: int64().optional() })).optional(),
  individual_workloads: z.array(z.strictObject({ name: z.string().optional(), ...ZSmpResources })).optional(),
  traffic_metadata: z
    .strictObject({
      load_balance_name: z.string().optional(),
      load_balance_ip: z.string().optional(),
      host_endpoint: z.string().optional(),
      prometheus_url: z.string().optional(),
      http_headers: z.string().optional(),
      user_agent: z.string().optional(),
      ping_health_endpoint: z.string().optional(),
    })
    .optional(),
});

const ZLatencyMs = z.strictObject({
  min: nonNegative(),
  average: nonNegative(),
  p50: nonNegative(),
  p75: nonNegative(),
  p90: nonNegative(),
  p99: nonNegative(),
  p999: nonNegative(),
  max: nonNegative(),
  stdev: nonNegative(),
});

/** Meshloom's section: what a run measured that SMP has no field for. */
export const ZMeshloomSection = z.strictObject({
  generator: z.enum(GENERATOR_IDS),
  generator_version: z.string().optional(),
  url: z.string().url(),
  method: z.string().min(1),
  mode: z.enum(['closed_loop', 'constant_rate']),
  requested_rps: int64().optional(),
  connections: int32(),
  workers: integer(1, 1024),
  duration_ms: nonNegative(),
  requests: int64(),
  latencies_ms: ZLatencyMs,
  histogram_encoding: z.literal('HdrHistogram V2 compressed base64, microseconds'),
  histogram: z.string().min(1),
  status_codes: z.record(z.string().regex(/^\d{3}$/, 'status codes are 3 digits'), int64()),
  status_classes: z.strictObject({ below_400: int64(), from_400: int64() }).optional(),
  errors: z.partialRecord(z.enum(ERROR_KINDS), int64()),
  throughput: z.array(z.strictObject({ second: int64(), requests: int64() })),
  co_corrected: z.boolean(),
  schedule_lag_ms: z.strictObject({ p50: nonNegative(), p99: nonNegative(), max: nonNegative() }).optional(),
  bytes_read: int64().optional(),
});

/** A Meshloom SMP export: the four SMP messages (those known) and Meshloom's section. */
export const ZSmpDocument = z.strictObject({
  performance_test_config: ZSmpTestConfig.optional(),
  performance_test_result: ZSmpTestResult,
  service_mesh_config: ZSmpMeshConfig.optional(),
  environment_config: ZSmpEnvironmentConfig.optional(),
  meshloom: ZMeshloomSection.optional(),
});

export type TSmpDocument = z.output<typeof ZSmpDocument>;
export type TSmpTestConfig = z.output<typeof ZSmpTestConfig>;
export type TSmpTestResult = z.output<typeof ZSmpTestResult>;
export type TSmpMeshConfig = z.output<typeof ZSmpMeshConfig>;
export type TSmpEnvironmentConfig = z.output<typeof ZSmpEnvironmentConfig>;
export type TMeshloomSection = z.output<typeof ZMeshloomSection>;
