/**
 * fortio as a load generator, when installed (`fortio load … -json -`, its result as JSON on
 * stdout). Fortio keeps latencies (seconds) in a bucketed histogram (`DurationHistogram.Data`:
 * Start, End, Count per bucket); we rebuild an HDR histogram by spreading each bucket's count
 * evenly over [Start, End] — the same linear interpolation fortio uses for its own percentiles —
 * so the summary matches fortio's within a bucket. Status codes come from `RetCodes` (-1 counts
 * requests that got no HTTP answer). Fortio measures from when a request actually left: its
 * constant-rate runs are not corrected for coordinated omission.
 */
import { PerfError } from '../errors';
import { encodeHistogram, newHistogram } from '../histogram';
import type { TLoadGenerator, TPartialRun } from '../types';
import { findBinary, runTool, tail } from './external';

interface TFortioBucket {
  Start: number;
  End: number;
  Count: number;
}

/** The fields of fortio's JSON result that we read (the file has many more). */
export interface TFortioResult {
  StartTime: string;
  ActualDuration: number;
  ActualQPS?: number;
  RequestedQPS?: string;
  NumThreads?: number;
  Version?: string;
  URL?: string;
  DurationHistogram: { Count: number; Min: number; Max: number; Data: TFortioBucket[] | null };
  RetCodes: Record<string, number> | null;
  Sizes?: { Sum?: number } | null;
}

function fail(why: string): never {
  throw new PerfError('ML8011', `fortio output: ${why}`);
}

/** A partial run from fortio's JSON result text. */
export function parseFortioJson(text: string): TPartialRun {
  let j: TFortioResult;
  try {
    j = JSON.parse(text) as TFortioResult;
  } catch {
    fail('not JSON');
  }
  if (!j || typeof j !== 'object') fail('not a JSON object');
  const startMs = Date.parse(j.StartTime);
  if (!Number.isFinite(startMs)) fail('no StartTime');
  if (typeof j.ActualDuration !== 'number') fail('no ActualDuration');
  const hist = j.DurationHistogram;
  if (!hist || typeof hist.Count !== 'number') fail('no DurationHistogram');
  const h = newHistogram();
  for (const b of hist.Data ?? []) {
    if (![b.Start, b.End, b.Count].every((x) => typeof x === 'number' && Number.isFinite(x)) || b.End < b.Start || b.Count < 0) fail('bad histogram bucket');
    const lo = b.Start * 1e6;
    const width = (b.End - b.Start) * 1e6;
    // Spread the count over at most 1,000 evenly spaced points of the bucket.
    const points = Math.min(b.Count, 1000);
    for (let k = 0; k < points; k++) {
      const count = Math.floor(((k + 1) * b.Count) / points) - Math.floor((k * b.Count) / points);
      if (count > 0) h.recordValueWithCount(Math.round(lo + ((k + 0.5) * width) / points), count);
    }
  }
  const statusCodes: Record<string, number> = {};
  let failed = 0;
  for (const [code, n] of Object.entries(j.RetCodes ?? {})) {
    if (typeof n !== 'number') fail(`bad RetCodes entry ${code}`);
    if (/^\d{3}$/.test(code)) statusCodes[code] = n;
    else failed += n;
  }
  const requests = Object.values(statusCodes).reduce((a, b) => a + b, 0);
  const out: TPartialRun = {
    generator: 'fortio',
    ...(j.Version ? { generatorVersion: j.Version } : {}),
    startMs,
    endMs: startMs + j.ActualDuration / 1e6,
    requests,
    statusCodes,
    errors: failed ? { other: failed } : {},
    perSecond: [],
    histogram: encodeHistogram(h),
    ...(typeof j.Sizes?.Sum === 'number' ? { bytesRead: j.Sizes.Sum } : {}),
  };
  h.destroy();
  return out;
}

export const fortioGenerator: TLoadGenerator = {
  id: 'fortio',
  title: 'fortio',
  async available() {
    const b = findBinary('fortio');
    if (!b) return { ok: false, reason: 'fortio is not installed' };
    const r = await runTool(b, ['version'], { deadlineMs: 5000 }).catch(() => undefined);
    const v = r ? (r.stdout + r.stderr).trim().split(/\s+/)[0] : undefined;
    return v ? { ok: true, version: v } : { ok: false, reason: `${b} did not report a version` };
  },
  async run(spec, options = {}) {
    const b = findBinary('fortio');
    if (!b) throw new PerfError('ML8010', 'fortio is not installed here');
    const args = ['load', '-json', '-', '-qps', String(spec.rps), '-c', String(spec.connections), '-t', `${Math.max(1, Math.round(spec.durationMs))}ms`, '-timeout', `${spec.timeoutMs}ms`];
    for (const [k, v] of Object.entries(spec.headers)) {
      if (k.toLowerCase() === 'content-type') args.push('-content-type', v);
      else args.push('-H', `${k}: ${v}`);
    }
    if (spec.body !== undefined) args.push('-payload', spec.body);
    const method = spec.method.toUpperCase();
    if (method !== (spec.body !== undefined ? 'POST' : 'GET')) args.push('-X', method);
    args.push(spec.url);
    const r = await runTool(b, args, { deadlineMs: spec.durationMs + spec.timeoutMs + 60_000, ...(options.signal ? { signal: options.signal } : {}) });
    if (r.code !== 0) throw new PerfError('ML8011', `fortio exited with ${r.code}: ${tail(r.stderr)}`);
    return parseFortioJson(r.stdout);
  },
};
