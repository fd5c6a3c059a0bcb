// Distributed load: worker processes (forked, each running the built-in engine on its share) and
// the exact merge of their histograms.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shares, splitSpec, runDistributed } from './distributed';
import { decodeHistogram, encodeHistogram, mergeHistograms, newHistogram, type Histogram } from './histogram';
import { mergePartials } from './merge';
import { startTarget, type TTargetServer } from './testing/target';
import type { TLoadSpec } from './types';

const PERCENTILES = [0, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 99.99, 100];

/** Everything a percentile summary reads from a histogram. */
function fingerprint(h: Histogram) {
  return { count: h.totalCount, mean: h.mean, stdev: h.stdDeviation, percentiles: PERCENTILES.map((p) => h.getValueAtPercentile(p)) };
}

describe('merging histograms', () => {
  it('is exact: N encoded histograms merged equal one histogram holding all the samples', () => {
    // Deterministic pseudo-random latencies (µs) with a heavy tail, split unevenly over 5 recorders.
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const all = newHistogram();
    const parts = Array.from({ length: 5 }, () => newHistogram());
    for (let i = 0; i < 200_000; i++) {
      const v = Math.round(50 + rand() * 400 + (rand() < 0.01 ? rand() * 2_000_000 : 0));
      all.recordValue(v);
      parts[Math.floor(rand() * rand() * 5)]!.recordValue(v);
    }
    const merged = mergeHistograms(parts.map(encodeHistogram));
    expect(fingerprint(merged)).toEqual(fingerprint(all));
  });
});

describe('splitting the load', () => {
  it('gives each worker its share of connections and rate, nothing lost', () => {
    expect(shares(10, 3)).toEqual([4, 3, 3]);
    const base: TLoadSpec = { url: 'http://127.0.0.1:1/', method: 'GET', headers: {}, connections: 10, rps: 1001, durationMs: 1000, timeoutMs: 1000 };
    const s = splitSpec(base, 4);
    expect(s.map((x) => x.connections)).toEqual([3, 3, 2, 2]);
    expect(s.map((x) => x.rps)).toEqual([251, 250, 250, 250]);
    // Never more workers than connections.
    expect(splitSpec({ ...base, connections: 2 }, 8)).toHaveLength(2);
  });
});

describe('distributed load over worker processes', () => {
  let server: TTargetServer;
  beforeAll(async () => {
    server = await startTarget();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('runs N workers and merges their histograms exactly (equal to one histogram of every raw sample)', async () => {
    const spec: TLoadSpec = { url: `${server.url}/`, method: 'GET', headers: {}, connections: 6, rps: 600, durationMs: 2000, timeoutMs: 5000, keepSamples: true };
    const merged = await runDistributed(spec, 3);
    expect(merged.requests).toBe(1200);
    expect(merged.statusCodes).toEqual({ '200': 1200 });
    // One histogram that recorded every raw sample the workers measured…
    const single = newHistogram();
    for (const v of merged.samples!) single.recordValue(v);
    expect(single.totalCount).toBe(1200);
    // …has exactly the merged histogram's percentiles, mean and deviation.
    expect(fingerprint(decodeHistogram(merged.histogram))).toEqual(fingerprint(single));
  }, 60_000);

  it('merges partial runs: counts summed, per-second series aligned', () => {
    const h = (vals: number[]) => {
      const x = newHistogram();
      vals.forEach((v) => x.recordValue(v));
      return encodeHistogram(x);
    };
    const m = mergePartials([
      { generator: 'builtin', startMs: 1000, endMs: 3000, requests: 3, statusCodes: { '200': 2, '500': 1 }, errors: { timeout: 1 }, perSecond: [2, 1], histogram: h([100, 200, 300]) },
      { generator: 'builtin', startMs: 2000, endMs: 4000, requests: 2, statusCodes: { '200': 2 }, errors: { timeout: 2, reset: 1 }, perSecond: [1, 1], histogram: h([400, 500]) },
    ]);
    expect(m).toMatchObject({ startMs: 1000, endMs: 4000, requests: 5, statusCodes: { '200': 4, '500': 1 }, errors: { timeout: 3, reset: 1 }, perSecond: [2, 2, 1] });
    expect(decodeHistogram(m.histogram).totalCount).toBe(5);
  });
});
