/**
 * Nighthawk (Envoy's load generator) as a load generator, when installed (`nighthawk_client
 * --output-format json`). Its output (nighthawk.client.Output) has per-worker and `global`
 * results; each has `statistics` (we read `benchmark_http_client.request_to_response`:
 * cumulative counts at percentiles, durations as protobuf Duration strings like "0.000206s") and
 * `counters` (`benchmark.http_2xx` …, connection failures, resets, timeouts). The HDR histogram
 * is rebuilt from the percentile points (each point's count increment recorded at its duration),
 * exact at those points. Nighthawk counts status classes, not codes. It needs a rate (`--rps`)
 * and cannot send a given body text (only a body size), so both are refused with ML8003.
 */
import { PerfError } from '../errors';
import { encodeHistogram, newHistogram } from '../histogram';
import type { TErrorKind, TLoadGenerator, TPartialRun } from '../types';
import { findBinary, runTool, tail } from './external';

interface TNhPercentile {
  percentile?: number;
  count?: string | number;
  duration?: string;
}
interface TNhStatistic {
  id: string;
  count?: string | number;
  percentiles?: TNhPercentile[];
}
interface TNhResult {
  name: string;
  statistics?: TNhStatistic[];
  counters?: { name: string; value: string | number }[];
  execution_start?: string;
  execution_duration?: string;
}

function fail(why: string): never {
  throw new PerfError('ML8011', `nighthawk output: ${why}`);
}

/** Seconds of a protobuf Duration JSON string ("1.5s", "0.000206407s"). */
export function protoDurationSeconds(d: string): number {
  const m = /^(-?\d+(?:\.\d+)?)s$/.exec(d);
  if (!m) fail(`bad duration '${d}'`);
  return Number(m[1]);
}

const COUNTER_ERRORS: Record<string, TErrorKind> = {
  'benchmark.pool_connection_failure': 'connect',
  upstream_cx_connect_fail: 'connect',
  'benchmark.stream_resets': 'reset',
  upstream_rq_timeout: 'timeout',
  'benchmark.pool_overflow': 'unsent',
};

/**
 * A partial run from nighthawk's JSON output text. Older nighthawk versions print no
 * execution_start / execution_duration: `fallback` (when the tool was started, the duration
 * asked) stands in for them.
 */
export function parseNighthawkJson(text: string, fallback: { startMs: number; durationMs: number } = { startMs: Date.now(), durationMs: 0 }): TPartialRun {
  let j: { results?: TNhResult[]; version?: { version?: { major_number?: number; minor_number?: number; patch?: number } } };
  try {
    j = JSON.parse(text) as typeof j;
  } catch {
    fail('not JSON');
  }
  const results = j?.results;
  if (!Array.isArray(results) || results.length === 0) fail('no results');
  const global = results.find((r) => r.name === 'global') ?? (results.length === 1 ? results[0] : undefined);
  if (!global) fail('no global result');
  const stat = global.statistics?.find((s) => s.id === 'benchmark_http_client.request_to_response');
  if (!stat) fail('no benchmark_http_client.request_to_response statistic');
  const h = newHistogram();
  let previous = 0;
  for (const p of stat.percentiles ?? []) {
    const cumulative = Number(p.count ?? 0);
    if (!Number.isFinite(cumulative) || cumulative < previous || p.duration === undefined) fail('bad percentile entry');
    const n = cumulative - previous;
    if (n > 0) h.recordValueWithCount(Math.round(protoDurationSeconds(p.duration) * 1e6), n);
    previous = cumulative;
  }
  const counters = new Map((global.counters ?? []).map((c) => [c.name, Number(c.value)] as const));
  const cls = (k: string) => counters.get(`benchmark.http_${k}`) ?? 0;
  const below400 = cls('1xx') + cls('2xx') + cls('3xx');
  const from400 = cls('4xx') + cls('5xx');
  const errors: Partial<Record<TErrorKind, number>> = {};
  for (const [name, kind] of Object.entries(COUNTER_ERRORS)) {
    const n = counters.get(name);
    if (n) errors[kind] = (errors[kind] ?? 0) + n;
  }
  const startMs = global.execution_start ? Date.parse(global.execution_start) : fallback.startMs;
  if (!Number.isFinite(startMs)) fail(`bad execution_start '${global.execution_start}'`);
  const durationMs = global.execution_duration ? protoDurationSeconds(global.execution_duration) * 1000 : fallback.durationMs;
  const v = j.version?.version;
  const out: TPartialRun = {
    generator: 'nighthawk',
    ...(v && v.major_number !== undefined ? { generatorVersion: `${v.major_number}.${v.minor_number ?? 0}.${v.patch ?? 0}` } : {}),
    startMs,
    endMs: startMs + durationMs,
    requests: below400 + from400,
    statusCodes: {},
    statusClasses: { below400, from400 },
    errors,
    perSecond: [],
    histogram: encodeHistogram(h),
  };
  h.destroy();
  return out;
}

export const nighthawkGenerator: TLoadGenerator = {
  id: 'nighthawk',
  title: 'Nighthawk',
  async available() {
    const b = findBinary('nighthawk_client');
    if (!b) return { ok: false, reason: 'nighthawk is not installed (nighthawk_client not on PATH)' };
    const r = await runTool(b, ['--version'], { deadlineMs: 5000 }).catch(() => undefined);
    const v = r ? /(\d+\.\d+\.\d+)/.exec(r.stdout + r.stderr)?.[1] : undefined;
    return v ? { ok: true, version: v } : { ok: false, reason: `${b} did not report a version` };
  },
  refuses(load) {
    if (load.rps <= 0) return { message: 'nighthawk needs a request rate (rps > 0)' };
    if (load.body !== undefined) return { message: 'nighthawk cannot send a given body text (only a body size)' };
    return undefined;
  },
  async run(spec, options = {}) {
    const b = findBinary('nighthawk_client');
    if (!b) throw new PerfError('ML8010', 'nighthawk is not installed here');
    const refused = nighthawkGenerator.refuses!(spec);
    if (refused) throw new PerfError('ML8003', refused.message);
    const seconds = Math.max(1, Math.round(spec.durationMs / 1000));
    const args = ['--output-format', 'json', '--rps', String(spec.rps), '--connections', String(spec.connections), '--duration', String(seconds), '--timeout', String(Math.max(1, Math.ceil(spec.timeoutMs / 1000))), '--concurrency', '1', '--request-method', spec.method.toUpperCase()];
    for (const [k, v] of Object.entries(spec.headers)) args.push('--request-header', `${k}:${v}`);
    args.push(spec.url);
    const r = await runTool(b, args, { deadlineMs: seconds * 1000 + spec.timeoutMs + 60_000, ...(options.signal ? { signal: options.signal } : {}) });
    if (r.code !== 0) throw new PerfError('ML8011', `nighthawk exited with ${r.code}: ${tail(r.stderr)}`);
    return parseNighthawkJson(r.stdout, { startMs: r.spawnedAt, durationMs: seconds * 1000 });
  },
};
