/**
 * SMP documents of a run. Export: the PerformanceTestConfig that ran, the PerformanceTestResult
 * (latencies_ms, actual_qps, times, ids linking the four messages), the ServiceMeshConfig and
 * EnvironmentConfig where known, plus Meshloom's `meshloom` section (the encoded HDR histogram,
 * status codes, errors by kind, the per-second series). Field names are those of
 * service-mesh-performance's protos/service_mesh_performance.proto (snake_case proto names, as
 * protojson writes them with UseProtoNames); a value that was not measured is left out, never
 * filled in. Import: the same document as JSON or YAML, validated whole (unknown fields, wrong
 * types, ids that do not link up, a histogram that does not decode or does not match the
 * latencies) — it is either returned complete or refused with every issue (ML8020 / ML8021).
 */
import { stringify } from 'yaml';
import { PerfError, type TPerfIssue } from './errors';
import { decodeHistogram, summarize } from './histogram';
import { issuesOf, parseDocument } from './profile';
import {
  ZSmpDocument,
  type TErrorKind,
  type TMeshloomSection,
  type TPerfProfile,
  type TPerfRunResult,
  type TSmpDocument,
  type TSmpEnvironmentConfig,
  type TSmpMeshConfig,
  type TSmpTestConfig,
} from './types';

/**
 * The SMP release whose protos we write: protos/service_mesh_performance.proto with snake_case
 * field names throughout (actual_qps, test_id, cpu_mcores, endpoint_urls, nodes) and the
 * PROTOCOL_* client protocol names.
 */
export const SMP_VERSION = 'v0.6.1';
export const HISTOGRAM_ENCODING = 'HdrHistogram V2 compressed base64, microseconds' as const;

/** Everything known about one run. */
export interface TPerfRun {
  /** The profile as it ran (command-line overrides applied, endpoint URLs resolved). */
  profile: TPerfProfile;
  result: TPerfRunResult;
  meshConfig?: TSmpMeshConfig;
  environment?: TSmpEnvironmentConfig;
}

const nonEmpty = <T extends object>(o: T | undefined): o is T => o !== undefined && Object.keys(o).length > 0;

function configOf(p: TPerfProfile, id: string): TSmpTestConfig {
  return {
    smp_version: SMP_VERSION,
    id,
    name: p.name,
    ...(nonEmpty(p.labels) ? { labels: p.labels } : {}),
    clients: p.clients.map((c) => ({
      ...(c.internal !== undefined ? { internal: c.internal } : {}),
      load_generator: c.load_generator,
      protocol: 'PROTOCOL_HTTP' as const,
      connections: c.connections,
      rps: c.rps,
      ...(nonEmpty(c.headers) ? { headers: c.headers } : {}),
      ...(nonEmpty(c.cookies) ? { cookies: c.cookies } : {}),
      ...(c.body !== undefined ? { body: c.body } : {}),
      ...(c.content_type !== undefined ? { content_type: c.content_type } : {}),
      endpoint_urls: c.endpoint_urls,
      ...(c.additional_options !== undefined ? { additional_options: c.additional_options } : {}),
    })),
    duration: p.duration,
  };
}

function sectionOf(r: TPerfRunResult): TMeshloomSection {
  return {
    generator: r.generator,
    ...(r.generatorVersion ? { generator_version: r.generatorVersion } : {}),
    url: r.url,
    method: r.method,
    mode: r.mode,
    ...(r.requestedRps !== undefined ? { requested_rps: r.requestedRps } : {}),
    connections: r.connections,
    workers: r.workers,
    duration_ms: r.durationMs,
    requests: r.requests,
    latencies_ms: r.latencyMs,
    histogram_encoding: HISTOGRAM_ENCODING,
    histogram: r.histogram,
    status_codes: r.statusCodes,
    ...(r.statusClasses ? { status_classes: { below_400: r.statusClasses.below400, from_400: r.statusClasses.from400 } } : {}),
    errors: r.errors as Record<TErrorKind, number>,
    throughput: r.throughput,
    co_corrected: r.coCorrected,
    ...(r.scheduleLagMs ? { schedule_lag_ms: r.scheduleLagMs } : {}),
    ...(r.bytesRead !== undefined ? { bytes_read: r.bytesRead } : {}),
  };
}

/** The SMP document of a run. */
export function toSmpDocument(run: TPerfRun): TSmpDocument {
  const r = run.result;
  const l = r.latencyMs;
  return {
    performance_test_config: configOf(run.profile, r.profileId),
    performance_test_result: {
      smp_version: SMP_VERSION,
      id: r.id,
      ...(nonEmpty(r.labels) ? { labels: r.labels } : {}),
      start_time: r.startTime,
      end_time: r.endTime,
      latencies_ms: { min: l.min, average: l.average, p50: l.p50, p90: l.p90, p99: l.p99, max: l.max },
      actual_qps: r.actualRps,
      test_id: r.profileId,
      ...(run.meshConfig?.id ? { mesh_config_id: run.meshConfig.id } : {}),
      ...(run.environment?.id ? { env_id: run.environment.id } : {}),
    },
    ...(run.meshConfig ? { service_mesh_config: run.meshConfig } : {}),
    ...(run.environment ? { environment_config: run.environment } : {}),
    meshloom: sectionOf(r),
  };
}

export function smpToJson(doc: TSmpDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

export function smpToYaml(doc: TSmpDocument): string {
  return stringify(doc, { lineWidth: 0 });
}

export interface TImportedSmp {
  document: TSmpDocument;
  /** The run result, when the document has Meshloom's section (our own exports). */
  result?: TPerfRunResult;
}

const close = (a: number, b: number, tolerance: number) => Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(a), Math.abs(b));

/** The consistency problems of a schema-valid document. */
function consistency(d: TSmpDocument): TPerfIssue[] {
  const issues: TPerfIssue[] = [];
  const r = d.performance_test_result;
  const link = (field: 'test_id' | 'mesh_config_id' | 'env_id', section: string, id: string | undefined) => {
    if (r[field] !== undefined && id !== undefined && r[field] !== id) issues.push({ path: `performance_test_result.${field}`, message: `'${r[field]}' is not the id of ${section} ('${id}')` });
    if (r[field] !== undefined && id === undefined && d[section as keyof TSmpDocument] !== undefined) issues.push({ path: `${section}.id`, message: `missing (performance_test_result.${field} refers to '${r[field]}')` });
  };
  link('test_id', 'performance_test_config', d.performance_test_config?.id);
  link('mesh_config_id', 'service_mesh_config', d.service_mesh_config?.id);
  link('env_id', 'environment_config', d.environment_config?.id);
  if (r.start_time && r.end_time && Date.parse(r.start_time) > Date.parse(r.end_time)) issues.push({ path: 'performance_test_result.end_time', message: 'before start_time' });
  const lat = r.latencies_ms;
  if (lat) {
    const order = (['min', 'p50', 'p90', 'p99', 'max'] as const).filter((k) => lat[k] !== undefined);
    for (let i = 1; i < order.length; i++) {
      if (lat[order[i]!]! < lat[order[i - 1]!]!) issues.push({ path: `performance_test_result.latencies_ms.${order[i]}`, message: `smaller than ${order[i - 1]} (${lat[order[i - 1]!]})` });
    }
  }
  const m = d.meshloom;
  if (!m) return issues;
  let summary: ReturnType<typeof summarize> | undefined;
  try {
    const h = decodeHistogram(m.histogram);
    summary = summarize(h);
    h.destroy();
  } catch (e) {
    issues.push({ path: 'meshloom.histogram', message: `not an encoded HdrHistogram (${e instanceof Error ? e.message : String(e)})` });
  }
  if (summary) {
    for (const [k, v] of Object.entries(summary) as [keyof typeof summary, number][]) {
      if (!close(m.latencies_ms[k], v, 1e-9)) issues.push({ path: `meshloom.latencies_ms.${k}`, message: `${m.latencies_ms[k]} but the histogram says ${v}` });
    }
    if (lat)
      for (const k of ['min', 'average', 'p50', 'p90', 'p99', 'max'] as const) {
        if (lat[k] !== undefined && !close(lat[k], summary[k], 1e-9)) issues.push({ path: `performance_test_result.latencies_ms.${k}`, message: `${lat[k]} but the histogram says ${summary[k]}` });
      }
  }
  const counted = Object.values(m.status_codes).reduce((a, b) => a + b, 0) + (m.status_classes ? m.status_classes.below_400 + m.status_classes.from_400 : 0);
  if (counted !== m.requests) issues.push({ path: 'meshloom.status_codes', message: `add up to ${counted}, not to the ${m.requests} requests` });
  if (r.actual_qps !== undefined && m.duration_ms > 0 && !close(r.actual_qps, m.requests / (m.duration_ms / 1000), 1e-6)) issues.push({ path: 'performance_test_result.actual_qps', message: `${r.actual_qps} but ${m.requests} requests in ${m.duration_ms} ms make ${m.requests / (m.duration_ms / 1000)}` });
  if (!r.start_time || !r.end_time) issues.push({ path: 'performance_test_result.start_time', message: 'required with a meshloom section' });
  return issues;
}

function resultOf(d: TSmpDocument): TPerfRunResult {
  const r = d.performance_test_result;
  const m = d.meshloom!;
  return {
    id: r.id ?? '',
    profileId: r.test_id ?? d.performance_test_config?.id ?? '',
    profileName: d.performance_test_config?.name ?? '',
    labels: r.labels ?? {},
    generator: m.generator,
    ...(m.generator_version ? { generatorVersion: m.generator_version } : {}),
    url: m.url,
    method: m.method,
    mode: m.mode,
    ...(m.requested_rps !== undefined ? { requestedRps: m.requested_rps } : {}),
    connections: m.connections,
    workers: m.workers,
    startTime: r.start_time!,
    endTime: r.end_time!,
    durationMs: m.duration_ms,
    requests: m.requests,
    actualRps: r.actual_qps ?? m.requests / (m.duration_ms / 1000),
    latencyMs: m.latencies_ms,
    histogram: m.histogram,
    statusCodes: m.status_codes,
    ...(m.status_classes ? { statusClasses: { below400: m.status_classes.below_400, from400: m.status_classes.from_400 } } : {}),
    errors: m.errors,
    throughput: m.throughput,
    coCorrected: m.co_corrected,
    ...(m.schedule_lag_ms ? { scheduleLagMs: m.schedule_lag_ms } : {}),
    ...(m.bytes_read !== undefined ? { bytesRead: m.bytes_read } : {}),
  };
}

/** Reads an SMP document (JSON or YAML); throws ML8001 / ML8020 / ML8021 with every issue. */
export function importSmp(text: string, what = 'the SMP document'): TImportedSmp {
  const value = parseDocument(text, what);
  const parsed = ZSmpDocument.safeParse(value);
  if (!parsed.success) throw new PerfError('ML8020', `${what} is not a valid SMP result document`, issuesOf(parsed.error));
  const issues = consistency(parsed.data);
  if (issues.length) throw new PerfError('ML8021', `${what} is inconsistent`, issues);
  return { document: parsed.data, ...(parsed.data.meshloom ? { result: resultOf(parsed.data) } : {}) };
}

/** A one-line description of a run's load for summaries: `constant rate 500 rps · 10 connections · 10s`. */
export function describeLoad(r: TPerfRunResult): string {
  const load = r.mode === 'constant_rate' ? `constant rate ${r.requestedRps} rps (coordinated omission ${r.coCorrected ? 'corrected' : 'not corrected'})` : 'closed loop (as fast as responses come)';
  return `${load} · ${r.connections} connection${r.connections === 1 ? '' : 's'}${r.workers > 1 ? ` · ${r.workers} workers` : ''} · ${(r.durationMs / 1000).toFixed(2)} s · ${r.generator}`;
}
