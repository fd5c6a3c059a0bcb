// fortio and nighthawk: parsers tested on CRAFTED sample outputs (testdata/README.md: written by
// hand after each tool's documented JSON format, since neither tool is installed here), and
// available() telling that they are not installed.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeHistogram, summarize } from '../histogram';
import { findBinary } from './external';
import { fortioGenerator, parseFortioJson } from './fortio';
import { nighthawkGenerator, parseNighthawkJson, protoDurationSeconds } from './nighthawk';

const read = (f: string) => readFileSync(new URL(`./testdata/${f}`, import.meta.url), 'utf8');

describe('the fortio result parser (crafted sample)', () => {
  const run = parseFortioJson(read('crafted-fortio-load.json'));

  it('reads times, status codes (-1 as errors) and bytes', () => {
    expect(run.generator).toBe('fortio');
    expect(run.generatorVersion).toBe('1.63.3');
    expect(run.startMs).toBe(Date.parse('2024-05-02T08:15:30.123Z'));
    expect(run.endMs - run.startMs).toBeCloseTo(5002, 3);
    expect(run.statusCodes).toEqual({ '200': 4990, '503': 8 });
    expect(run.requests).toBe(4998);
    expect(run.errors).toEqual({ other: 2 });
    expect(run.bytesRead).toBe(929628);
  });

  it('rebuilds the latency histogram from the buckets (within a bucket of fortio’s own percentiles)', () => {
    const h = decodeHistogram(run.histogram);
    expect(h.totalCount).toBe(5000);
    const s = summarize(h);
    // fortio's percentiles (seconds → ms): p50 0.367, p90 0.6, p99 2.0 — each inside its bucket.
    expect(s.p50).toBeGreaterThanOrEqual(0.3);
    expect(s.p50).toBeLessThanOrEqual(0.4);
    expect(s.p90).toBeGreaterThanOrEqual(0.5);
    expect(s.p90).toBeLessThanOrEqual(0.6);
    expect(s.p99).toBeGreaterThanOrEqual(1);
    expect(s.p99).toBeLessThanOrEqual(2.01);
    expect(s.min).toBeGreaterThanOrEqual(0.212);
    expect(s.max).toBeLessThanOrEqual(41.6);
  });

  it('refuses what is not a fortio result', () => {
    expect(() => parseFortioJson('not json')).toThrow(/ML8011|not JSON/);
    expect(() => parseFortioJson('{"StartTime":"2024-05-02T10:15:30Z"}')).toThrow(/ActualDuration/);
  });
});

describe('the nighthawk output parser (crafted sample)', () => {
  const run = parseNighthawkJson(read('crafted-nighthawk-output.json'));

  it('reads the global result: status classes, errors from counters, execution times', () => {
    expect(run.generator).toBe('nighthawk');
    expect(run.generatorVersion).toBe('0.5.0');
    expect(run.statusClasses).toEqual({ below400: 4994, from400: 6 });
    expect(run.statusCodes).toEqual({});
    expect(run.requests).toBe(5000);
    expect(run.errors).toEqual({ connect: 1 });
    expect(run.startMs).toBe(Date.parse('2024-05-02T08:15:30.500Z'));
    expect(run.endMs - run.startMs).toBeCloseTo(5000.731, 3);
  });

  it('rebuilds the histogram exactly at nighthawk’s percentile points', () => {
    const h = decodeHistogram(run.histogram);
    expect(h.totalCount).toBe(5000);
    const s = summarize(h);
    expect(s.min).toBeCloseTo(0.198, 3);
    expect(s.p50).toBeCloseTo(0.254, 3);
    expect(s.p90).toBeCloseTo(0.34, 3);
    expect(s.p99).toBeCloseTo(0.722, 2);
    expect(s.max).toBeCloseTo(11.89, 1);
  });

  it('reads protobuf durations and refuses broken output', () => {
    expect(protoDurationSeconds('0.000206407s')).toBeCloseTo(0.000206407, 12);
    expect(protoDurationSeconds('5s')).toBe(5);
    expect(() => protoDurationSeconds('5ms')).toThrow(/bad duration/);
    expect(() => parseNighthawkJson('{"results":[]}')).toThrow(/no results/);
    expect(() => parseNighthawkJson('{"results":[{"name":"global","statistics":[]}]}')).toThrow(/request_to_response/);
  });
});

describe('availability', () => {
  it('reports fortio and nighthawk as not installed when they are not', async () => {
    if (!findBinary('fortio')) expect(await fortioGenerator.available()).toEqual({ ok: false, reason: 'fortio is not installed' });
    if (!findBinary('nighthawk_client')) expect(await nighthawkGenerator.available()).toMatchObject({ ok: false, reason: expect.stringMatching(/not installed/) });
    await expect(fortioGenerator.run({ url: 'http://127.0.0.1:1/', method: 'GET', headers: {}, connections: 1, rps: 0, durationMs: 100, timeoutMs: 100 })).rejects.toMatchObject({ code: findBinary('fortio') ? expect.any(String) : 'ML8010' });
  });
});
