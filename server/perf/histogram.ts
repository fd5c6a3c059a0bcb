/**
 * Latency histograms: HdrHistogram (hdr-histogram-js) with values in microseconds, 1 µs lowest
 * discernible value, 3 significant digits, auto-resizing. Every generator, thread and worker
 * records into one of these; they travel as V2 compressed base64 strings and are merged with
 * `add`, which is exact (bucket counts are summed, so the merge of N histograms equals one
 * histogram that recorded all N sets of samples).
 */
import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';
import type { TLatencySummaryMs } from './types';

export type { Histogram } from 'hdr-histogram-js';

/** 60 s; larger values still record (the histogram grows). */
const HIGHEST_US = 60_000_000;

export function newHistogram(): Histogram {
  return build({ bitBucketSize: 32, autoResize: true, lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: 3, useWebAssembly: false });
}

export function encodeHistogram(h: Histogram): string {
  return encodeIntoCompressedBase64(h);
}

/** Decodes an encoded histogram; throws on anything that is not one. */
export function decodeHistogram(encoded: string): Histogram {
  const h = decodeFromCompressedBase64(encoded, 32, false);
  h.autoResize = true;
  return h;
}

/** One histogram holding every sample of the given ones (exact). */
export function mergeHistograms(encoded: string[]): Histogram {
  const out = newHistogram();
  for (const e of encoded) {
    const h = decodeHistogram(e);
    out.add(h);
    h.destroy();
  }
  return out;
}

const ms = (us: number) => Math.round(us) / 1000;

/** Latency summary in ms (µs resolution) of a histogram of µs values; zeros when empty. */
export function summarize(h: Histogram): TLatencySummaryMs {
  if (h.totalCount === 0) return { min: 0, average: 0, p50: 0, p75: 0, p90: 0, p99: 0, p999: 0, max: 0, stdev: 0 };
  return {
    // Percentiles 0 and 100 (not the raw min/max fields): bucket-exact, so a decoded or merged
    // histogram reports the same min and max as the one that recorded the samples.
    min: ms(h.getValueAtPercentile(0)),
    average: ms(h.mean),
    p50: ms(h.getValueAtPercentile(50)),
    p75: ms(h.getValueAtPercentile(75)),
    p90: ms(h.getValueAtPercentile(90)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.getValueAtPercentile(100)),
    stdev: ms(h.stdDeviation),
  };
}
