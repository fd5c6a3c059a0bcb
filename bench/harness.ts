/** One measured figure. `target` says what we aim for; `ratio` compares with a reference. */
export interface TBenchRow {
  bench: string;
  metric: string;
  value: number;
  unit: string;
  target?: string;
  ratio?: { value: number; against: string };
}

export interface TBenchSuite {
  name: string;
  run(): Promise<TBenchRow[]>;
}

/** Wall times in ms of `fn` over `runs` runs, after `warmup` unmeasured runs. */
export async function sampleMs(fn: () => unknown | Promise<unknown>, runs: number, warmup = 1): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return times;
}

/** Median wall time in ms of `fn` over `runs` runs, after `warmup` unmeasured runs. */
export async function medianMs(fn: () => unknown | Promise<unknown>, runs: number, warmup = 1): Promise<number> {
  return median(await sampleMs(fn, runs, warmup));
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
