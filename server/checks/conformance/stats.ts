/**
 * The traffic-split test: does the share of requests a backend received match its weight?
 *
 * Model. Send N requests; if the mesh routes each one to backend B with probability p (B's
 * weight / 100), the number X that B receives is Binomial(N, p). A weighted round robin (what
 * HAProxy does) is even more regular than that — X stays within a request or two of N·p — so a
 * test calibrated on the binomial is conservative for it.
 *
 * Test. Accept when lo ≤ X ≤ hi, with the exact binomial tails
 *
 *     lo = min { k : P(X ≤ k) > α/2 }      so  P(X < lo) ≤ α/2
 *     hi = max { k : P(X ≥ k) > α/2 }      so  P(X > hi) ≤ α/2
 *
 * A correct mesh therefore fails the step with probability P(X < lo) + P(X > hi) ≤ α = 10⁻⁶
 * (FALSE_FAILURE). The normal approximation gives the same picture: accept when
 * |X − N·p| ≤ z·√(N·p·(1−p)) with z = 4.892 (the two-sided 10⁻⁶ quantile); for N = 200 and
 * p = 0.75 that is 150 ± 30, and the exact interval is [118, 178] (the binomial's tail towards
 * the middle is the longer one).
 *
 * Choice of N. A broken split must fail overwhelmingly: with the weights reversed (75/25
 * deployed as 25/75) X is Binomial(N, 0.25), centred on N/4, and the step passes only if X
 * lands in [lo, hi] around 3N/4. By the normal approximation that needs N/2 ≥ 2·z·√(N·3/16),
 * N ≥ 72, for a pass chance below 10⁻⁶ too (exactly: N ≥ 82). N = 200 (SPLIT_REQUESTS) puts
 * the reversed mean 11 standard deviations below lo, a pass chance of 2·10⁻²⁴
 * (`chanceInside(200, 0.25, 118, 178)`), and costs a few hundred milliseconds on loopback.
 * Weights 0 and 100 degenerate to exact checks: p = 0 accepts only X = 0, p = 1 only X = N.
 */

/** The accepted chance that a correct mesh fails a split step. */
export const FALSE_FAILURE = 1e-6;

/** Requests per split measurement. */
export const SPLIT_REQUESTS = 200;

/** ln(k!) for k = 0..n. */
function logFactorials(n: number): Float64Array {
  const out = new Float64Array(n + 1);
  for (let k = 2; k <= n; k++) out[k] = out[k - 1]! + Math.log(k);
  return out;
}

/** P(X = k) for X ~ Binomial(n, p), k = 0..n (computed in log space: no underflow for large n). */
export function binomialPmf(n: number, p: number): number[] {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, not ${n}`);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`p must be in [0, 1], not ${p}`);
  if (p === 0 || p === 1) return Array.from({ length: n + 1 }, (_, k) => ((p === 0 ? k === 0 : k === n) ? 1 : 0));
  const lf = logFactorials(n);
  const lp = Math.log(p);
  const lq = Math.log1p(-p);
  return Array.from({ length: n + 1 }, (_, k) => Math.exp(lf[n]! - lf[k]! - lf[n - k]! + k * lp + (n - k) * lq));
}

/** The acceptance interval [lo, hi] for X ~ Binomial(n, p) at false-failure chance ≤ alpha (see the module comment). */
export function acceptanceInterval(n: number, p: number, alpha = FALSE_FAILURE): { lo: number; hi: number } {
  const pmf = binomialPmf(n, p);
  const half = alpha / 2;
  let lo = 0;
  for (let below = 0; lo < n; lo++) {
    // below = P(X < lo); lo may grow while P(X < lo + 1) stays within the tail budget.
    if (below + pmf[lo]! > half) break;
    below += pmf[lo]!;
  }
  let hi = n;
  for (let above = 0; hi > 0; hi--) {
    if (above + pmf[hi]! > half) break;
    above += pmf[hi]!;
  }
  return { lo, hi };
}

/** P(lo ≤ X ≤ hi) for X ~ Binomial(n, q): how often a mesh that routes with share q passes. */
export function chanceInside(n: number, q: number, lo: number, hi: number): number {
  const pmf = binomialPmf(n, q);
  let sum = 0;
  for (let k = Math.max(0, lo); k <= Math.min(n, hi); k++) sum += pmf[k]!;
  return Math.min(1, sum);
}

export interface TShareVerdict {
  ok: boolean;
  lo: number;
  hi: number;
  /** "b receives 120–178 of 200 requests (75%, exact binomial bounds, false-failure chance < 1e-6)". */
  expected: string;
  /** "b received 51 of 200 (25.5%)". */
  observed: string;
}

const pct = (x: number, n: number) => (n === 0 ? '0%' : `${((100 * x) / n).toFixed(1).replace(/\.0$/, '')}%`);

/**
 * Whether `observed` of `n` requests is an acceptable count for `backend` with weight
 * `weightPercent`, as words for a step result.
 */
export function shareVerdict(backend: string, weightPercent: number, observed: number, n: number, alpha = FALSE_FAILURE): TShareVerdict {
  const p = weightPercent / 100;
  const { lo, hi } = acceptanceInterval(n, p, alpha);
  const range = lo === hi ? `exactly ${lo}` : `${lo}–${hi}`;
  const how = p === 0 || p === 1 ? 'weight ' + weightPercent : `${weightPercent}%, exact binomial bounds, false-failure chance < ${alpha.toExponential()}`;
  return {
    ok: observed >= lo && observed <= hi,
    lo,
    hi,
    expected: `${backend} receives ${range} of ${n} requests (${how})`,
    observed: `${backend} received ${observed} of ${n} (${pct(observed, n)})`,
  };
}
