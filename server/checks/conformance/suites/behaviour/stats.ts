/**
 * Statistical tolerances: exact binomial acceptance intervals, so a correct deployment fails a
 * share check with probability below FALSE_FAILURE (1e-6) per step, whatever the sample size.
 */

/** Largest chance, per step, that a correct deployment is reported FAILED by a share check. */
export const FALSE_FAILURE = 1e-6;

function logChoose(n: number, k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log((n - k + i) / i);
  return s;
}

/** P(X = k) for X ~ Binomial(n, p), for every k. */
function pmf(n: number, p: number): number[] {
  const out: number[] = [];
  for (let k = 0; k <= n; k++) out.push(Math.exp(logChoose(n, k) + k * Math.log(p) + (n - k) * Math.log(1 - p)));
  return out;
}

/**
 * [lo, hi] with P(X < lo) ≤ alpha/2 and P(X > hi) ≤ alpha/2 for X ~ Binomial(n, p): counts
 * outside it are evidence (at level alpha) that the true share is not p.
 */
export function binomialInterval(n: number, p: number, alpha: number): [number, number] {
  if (p <= 0) return [0, 0];
  if (p >= 1) return [n, n];
  const f = pmf(n, p);
  let lo = 0;
  let tail = 0;
  while (lo < n && tail + f[lo]! <= alpha / 2) tail += f[lo++]!;
  let hi = n;
  tail = 0;
  while (hi > 0 && tail + f[hi]! <= alpha / 2) tail += f[hi--]!;
  return [lo, hi];
}

/** The smallest n for which a share p shows at least once with probability ≥ 1 − miss. */
export function samplesToSee(p: number, miss = 1e-3): number {
  if (p <= 0) return 1;
  if (p >= 1) return 1;
  return Math.ceil(Math.log(miss) / Math.log(1 - p));
}

export const pct = (x: number) => `${+(x * 100).toFixed(1)}%`;
