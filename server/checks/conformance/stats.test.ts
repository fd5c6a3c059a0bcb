import { describe, expect, it } from 'vitest';
import { acceptanceInterval, binomialPmf, chanceInside, FALSE_FAILURE, shareVerdict, SPLIT_REQUESTS } from './stats';

/** A small seeded generator (mulberry32): the simulation below is the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('the split test', () => {
  it('binomial probabilities sum to 1 and match a hand-computed case', () => {
    const pmf = binomialPmf(4, 0.25);
    expect(pmf.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(pmf[0]).toBeCloseTo(81 / 256, 12);
    expect(pmf[2]).toBeCloseTo(54 / 256, 12);
    expect(binomialPmf(2000, 0.75).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
  });

  it('a correct split fails with a chance of at most 1e-6, and the interval is as narrow as that allows', () => {
    for (const p of [0.25, 0.5, 0.75, 0.1, 0.9]) {
      const { lo, hi } = acceptanceInterval(SPLIT_REQUESTS, p);
      const falseFailure = 1 - chanceInside(SPLIT_REQUESTS, p, lo, hi);
      expect(falseFailure, `p=${p}`).toBeLessThanOrEqual(FALSE_FAILURE);
      // One step narrower on either side would spend more than half the budget on that tail.
      expect(1 - chanceInside(SPLIT_REQUESTS, p, lo + 1, SPLIT_REQUESTS), `p=${p} lo`).toBeGreaterThan(FALSE_FAILURE / 2);
      expect(1 - chanceInside(SPLIT_REQUESTS, p, 0, hi - 1), `p=${p} hi`).toBeGreaterThan(FALSE_FAILURE / 2);
    }
    expect(acceptanceInterval(200, 0.75)).toEqual({ lo: 118, hi: 178 });
    expect(acceptanceInterval(200, 0.25)).toEqual({ lo: 22, hi: 82 });
  });

  it('agrees with the normal approximation (z ≈ 4.89) to within a few requests', () => {
    const z = 4.8916;
    const n = SPLIT_REQUESTS;
    for (const p of [0.25, 0.5, 0.75]) {
      const sd = Math.sqrt(n * p * (1 - p));
      const { lo, hi } = acceptanceInterval(n, p);
      expect(Math.abs(lo - (n * p - z * sd))).toBeLessThan(4);
      expect(Math.abs(hi - (n * p + z * sd))).toBeLessThan(4);
    }
  });

  it('reversed weights fail overwhelmingly: 25/75 deployed for 75/25 passes with a chance below 1e-20', () => {
    const { lo, hi } = acceptanceInterval(SPLIT_REQUESTS, 0.75);
    expect(chanceInside(SPLIT_REQUESTS, 0.25, lo, hi)).toBeLessThan(1e-20);
    const back = acceptanceInterval(SPLIT_REQUESTS, 0.25);
    expect(chanceInside(SPLIT_REQUESTS, 0.75, back.lo, back.hi)).toBeLessThan(1e-20);
    // A milder error, an even split where 75/25 was asked for, is still caught 99 times in 100.
    expect(chanceInside(SPLIT_REQUESTS, 0.5, lo, hi)).toBeLessThan(0.01);
  });

  it('weights 0 and 100 are exact checks', () => {
    expect(acceptanceInterval(200, 0)).toEqual({ lo: 0, hi: 0 });
    expect(acceptanceInterval(200, 1)).toEqual({ lo: 200, hi: 200 });
    expect(shareVerdict('c', 0, 1, 200)).toMatchObject({ ok: false, expected: 'c receives exactly 0 of 200 requests (weight 0)', observed: 'c received 1 of 200 (0.5%)' });
    expect(shareVerdict('b', 100, 200, 200).ok).toBe(true);
  });

  it('simulated binomial splits pass (10 000 seeded runs)', () => {
    const random = rng(7);
    const { lo, hi } = acceptanceInterval(SPLIT_REQUESTS, 0.75);
    let failures = 0;
    for (let run = 0; run < 10_000; run++) {
      let x = 0;
      for (let i = 0; i < SPLIT_REQUESTS; i++) if (random() < 0.75) x++;
      if (x < lo || x > hi) failures++;
    }
    expect(failures).toBe(0);
  });

  it('says what was expected and what was observed', () => {
    const v = shareVerdict('b', 75, 51, 200);
    expect(v.ok).toBe(false);
    expect(v.expected).toBe('b receives 118–178 of 200 requests (75%, exact binomial bounds, false-failure chance < 1e-6)');
    expect(v.observed).toBe('b received 51 of 200 (25.5%)');
    expect(shareVerdict('b', 75, 150, 200).ok).toBe(true);
  });
});
