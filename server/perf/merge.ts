/**
 * Combining measurements: the partial runs of several clients, workers or threads become one
 * (counts summed, histograms added exactly, per-second series aligned on their start times), and
 * a partial run plus what was asked becomes a run result (latency summary from the histogram,
 * achieved rate over the measured window, throughput series for a chart).
 */
import { randomUUID } from 'node:crypto';
import { decodeHistogram, encodeHistogram, mergeHistograms, summarize } from './histogram';
import type { TErrorKind, TGeneratorId, TPartialRun, TPerfRunResult, TRunMode } from './types';

function addCounts<K extends string>(into: Partial<Record<K, number>>, from: Partial<Record<K, number>>): void {
  for (const [k, v] of Object.entries(from) as [K, number][]) into[k] = (into[k] ?? 0) + v;
}

/** One partial run holding everything the given ones measured (histograms merged exactly). */
export function mergePartials(parts: TPartialRun[]): TPartialRun {
  if (parts.length === 0) throw new Error('nothing to merge');
  if (parts.length === 1) return parts[0]!;
  const startMs = Math.min(...parts.map((p) => p.startMs));
  const statusCodes: Record<string, number> = {};
  const errors: Partial<Record<TErrorKind, number>> = {};
  const perSecond: number[] = [];
  let statusClasses: TPartialRun['statusClasses'];
  for (const p of parts) {
    addCounts(statusCodes, p.statusCodes);
    addCounts(errors, p.errors);
    if (p.statusClasses) {
      statusClasses ??= { below400: 0, from400: 0 };
      statusClasses.below400 += p.statusClasses.below400;
      statusClasses.from400 += p.statusClasses.from400;
    }
    const shift = Math.round((p.startMs - startMs) / 1000);
    p.perSecond.forEach((n, i) => (perSecond[i + shift] = (perSecond[i + shift] ?? 0) + n));
  }
  for (let i = 0; i < perSecond.length; i++) perSecond[i] ??= 0;
  const hist = mergeHistograms(parts.map((p) => p.histogram));
  const lags = parts.map((p) => p.lagHistogram).filter((l): l is string => l !== undefined);
  const lag = lags.length ? mergeHistograms(lags) : undefined;
  const versions = [...new Set(parts.map((p) => p.generatorVersion).filter((v) => v !== undefined))];
  const out: TPartialRun = {
    generator: parts[0]!.generator,
    ...(versions.length ? { generatorVersion: versions.join(', ') } : {}),
    startMs,
    endMs: Math.max(...parts.map((p) => p.endMs)),
    requests: parts.reduce((n, p) => n + p.requests, 0),
    statusCodes,
    ...(statusClasses ? { statusClasses } : {}),
    errors,
    perSecond,
    histogram: encodeHistogram(hist),
    ...(lag ? { lagHistogram: encodeHistogram(lag) } : {}),
    ...(parts.some((p) => p.bytesRead !== undefined) ? { bytesRead: parts.reduce((n, p) => n + (p.bytesRead ?? 0), 0) } : {}),
    ...(parts.some((p) => p.samples) ? { samples: parts.flatMap((p) => p.samples ?? []) } : {}),
  };
  hist.destroy();
  lag?.destroy();
  return out;
}

export interface TRunMeta {
  profileId: string;
  profileName: string;
  labels: Record<string, string>;
  generator: TGeneratorId;
  url: string;
  method: string;
  requestedRps: number;
  connections: number;
  workers: number;
  /** The duration asked for (the measured window of a closed loop). */
  durationMs: number;
}

/** The run result of a (merged) partial run. */
export function toRunResult(p: TPartialRun, meta: TRunMeta): TPerfRunResult {
  const mode: TRunMode = meta.requestedRps > 0 ? 'constant_rate' : 'closed_loop';
  const measured = Math.max(1, p.endMs - p.startMs);
  // Closed loop: responses after the deadline do not count, the window is the duration. Constant
  // rate: the schedule spans the duration and the last responses may arrive after it.
  const window = mode === 'closed_loop' ? measured : Math.max(meta.durationMs, measured);
  const hist = decodeHistogram(p.histogram);
  const latencyMs = summarize(hist);
  hist.destroy();
  let scheduleLagMs: TPerfRunResult['scheduleLagMs'];
  if (p.lagHistogram) {
    const lag = decodeHistogram(p.lagHistogram);
    const s = summarize(lag);
    scheduleLagMs = { p50: s.p50, p99: s.p99, max: s.max };
    lag.destroy();
  }
  return {
    id: randomUUID(),
    profileId: meta.profileId,
    profileName: meta.profileName,
    labels: meta.labels,
    generator: p.generator,
    ...(p.generatorVersion ? { generatorVersion: p.generatorVersion } : {}),
    url: meta.url,
    method: meta.method,
    mode,
    ...(mode === 'constant_rate' ? { requestedRps: meta.requestedRps } : {}),
    connections: meta.connections,
    workers: meta.workers,
    startTime: new Date(p.startMs).toISOString(),
    endTime: new Date(p.startMs + window).toISOString(),
    durationMs: Math.round(window * 1000) / 1000,
    requests: p.requests,
    actualRps: Math.round((p.requests / (window / 1000)) * 1000) / 1000,
    latencyMs,
    histogram: p.histogram,
    statusCodes: p.statusCodes,
    ...(p.statusClasses ? { statusClasses: p.statusClasses } : {}),
    errors: p.errors,
    throughput: p.perSecond.map((requests, second) => ({ second, requests })),
    // Only the built-in generator measures from intended send times; fortio and nighthawk measure from
    // when a request actually left, and Debian's wrk has no constant-rate mode.
    coCorrected: mode === 'constant_rate' && p.generator === 'builtin',
    ...(scheduleLagMs ? { scheduleLagMs } : {}),
    ...(p.bytesRead !== undefined ? { bytesRead: p.bytesRead } : {}),
  };
}
