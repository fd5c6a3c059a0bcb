// Performance checks' load generators, in one run against one loopback target (a minimal Node
// HTTP server in a child process, server/perf/testing/target-server.mjs):
//   1. full speed (closed loop): wrk -t1 -c16 (at full speed: a done()-only Lua script, no
//      per-response hook) and the built-in generator (one thread, 16 connections), interleaved
//      A/B/A/B so both see the same machine; rates, their ratio (median of the per-round ratios),
//      and CPU time per request of each tool;
//   2. constant rate at 0.7 × wrk's median full-speed rate: the built-in generator's achieved rate
//      and its deviation from the target;
//   3. the latency the generator itself adds: p50 of one connection in a closed loop (each request
//      sent when the previous answer is read, so the server is otherwise idle) for wrk and for the
//      built-in generator, interleaved; and the built-in generator's p50 at a low constant rate
//      (1,000 rps), which also pays for waiting on its schedule, with its schedule lag;
//   4. coordinated omission: a 1 s stall of the target under a constant rate and under a closed loop.
// The machine is shared: the 1-minute load average at the start is reported with the figures.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { runEngine } from '@/server/perf/generator/engine';
import { findBinary } from '@/server/perf/generator/external';
import { createWrkGenerator } from '@/server/perf/generator/wrk';
import { decodeHistogram } from '@/server/perf/histogram';
import { startTarget, type TTargetServer } from '@/server/perf/testing/target';
import type { TLoadSpec, TPartialRun } from '@/server/perf/types';
import { median, round, type TBenchRow, type TBenchSuite } from './harness';

const ROUNDS = 5;
const FULL_SPEED_MS = 5000;
const CONNECTIONS = 16;
const CONSTANT_RUNS = 3;
const CONSTANT_MS = 10_000;
const CONSTANT_CONNECTIONS = 64;
const LATENCY_ROUNDS = 3;
const LATENCY_MS = 3000;

/** CPU seconds of reaped children (cutime + cstime of /proc/self/stat). */
function childCpuSeconds(): number {
  const f = readFileSync('/proc/self/stat', 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[13]) + Number(rest[14])) / 100;
}

const rate = (p: TPartialRun, windowMs: number) => p.requests / (Math.max(windowMs, p.endMs - p.startMs) / 1000);
const p50 = (p: TPartialRun) => decodeHistogram(p.histogram).getValueAtPercentile(50) / 1000;
const p99 = (p: TPartialRun) => decodeHistogram(p.histogram).getValueAtPercentile(99) / 1000;
const spread = (xs: number[], digits = 0) => xs.map((x) => round(x, digits)).join(', ');

export const perfBench: TBenchSuite = {
  name: 'perf',
  async run() {
    if (!findBinary('wrk')) {
      console.log('  skipped: wrk is not installed (npm run setup installs it)');
      return [];
    }
    const rows: TBenchRow[] = [];
    const bench = this.name;
    const load = os.loadavg()[0]!;
    rows.push({ bench, metric: `machine load at the start (1-minute load average, ${os.cpus().length} cores; others' work shares them)`, value: round(load), unit: '' });
    const server: TTargetServer = await startTarget();
    const wrk = createWrkGenerator({ exactStatusCodes: false });
    const spec = (o: Partial<TLoadSpec>): TLoadSpec => ({ url: `${server.url}/`, method: 'GET', headers: {}, connections: CONNECTIONS, rps: 0, durationMs: FULL_SPEED_MS, timeoutMs: 5000, ...o });
    try {
      // Warm-up: JIT, the server's and the generator's; not measured.
      await runEngine(spec({ durationMs: 1000 }));
      await wrk.run(spec({ durationMs: 1000 }));

      // 1. Full speed, interleaved.
      const wrkRates: number[] = [];
      const ownRates: number[] = [];
      const ratios: number[] = [];
      const wrkCpu: number[] = [];
      const ownCpu: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        const c0 = childCpuSeconds();
        const w = await wrk.run(spec({ threads: 1 }));
        const wrkCpuS = childCpuSeconds() - c0;
        const u0 = process.cpuUsage();
        const b = await runEngine(spec({}));
        const u = process.cpuUsage(u0);
        const wr = rate(w, FULL_SPEED_MS);
        const br = rate(b, FULL_SPEED_MS);
        wrkRates.push(wr);
        ownRates.push(br);
        ratios.push(br / wr);
        wrkCpu.push((wrkCpuS * 1e6) / w.requests);
        ownCpu.push((u.user + u.system) / b.requests);
        if (Object.keys(b.errors).length || (w.errors && Object.keys(w.errors).length)) console.log(`  round ${i + 1}: errors wrk ${JSON.stringify(w.errors)} built-in ${JSON.stringify(b.errors)}`);
      }
      const wrkMax = median(wrkRates);
      const ownMax = median(ownRates);
      rows.push({ bench, metric: `wrk full speed, -t1 -c${CONNECTIONS} (median of ${ROUNDS} × ${FULL_SPEED_MS / 1000} s: ${spread(wrkRates)})`, value: round(wrkMax, 0), unit: 'req/s' });
      rows.push({
        bench,
        metric: `built-in full speed, 1 thread, ${CONNECTIONS} connections (median of ${ROUNDS}, interleaved with wrk: ${spread(ownRates)})`,
        value: round(ownMax, 0),
        unit: 'req/s',
        ratio: { value: round(median(ratios), 3), against: `wrk, median of the per-round ratios (${spread(ratios, 3)})` },
        target: '≥ 0.85× wrk',
      });
      rows.push({ bench, metric: 'CPU time per request, wrk (median)', value: round(median(wrkCpu), 2), unit: 'µs' });
      rows.push({ bench, metric: 'CPU time per request, built-in (median)', value: round(median(ownCpu), 2), unit: 'µs', ratio: { value: round(median(ownCpu) / median(wrkCpu), 2), against: 'wrk' } });

      // 2. Constant rate at 0.7 × wrk's full speed.
      const target = Math.round(0.7 * wrkMax);
      const achieved: number[] = [];
      const lags: number[] = [];
      for (let i = 0; i < CONSTANT_RUNS; i++) {
        const c = await runEngine(spec({ rps: target, durationMs: CONSTANT_MS, connections: CONSTANT_CONNECTIONS }));
        achieved.push(rate(c, CONSTANT_MS));
        lags.push(decodeHistogram(c.lagHistogram!).getValueAtPercentile(99) / 1000);
        if (Object.keys(c.errors).length) console.log(`  constant run ${i + 1}: errors ${JSON.stringify(c.errors)}`);
      }
      const deviations = achieved.map((a) => (a / target - 1) * 100);
      rows.push({ bench, metric: `built-in at a constant ${target} req/s (0.7 × wrk's full speed), ${CONSTANT_CONNECTIONS} connections, achieved (median of ${CONSTANT_RUNS} × ${CONSTANT_MS / 1000} s: ${spread(achieved)})`, value: round(median(achieved), 0), unit: 'req/s', ratio: { value: round(median(achieved) / target, 4), against: 'the target rate' } });
      rows.push({ bench, metric: `deviation from the constant target rate (median; runs: ${spread(deviations, 2)} %)`, value: round(median(deviations), 2), unit: '%', target: 'within ±1%' });
      rows.push({ bench, metric: 'schedule lag p99 at that rate (how late requests left after their intended time, median of runs)', value: round(median(lags), 3), unit: 'ms' });

      // 3. Latency the generator adds.
      const wrkP50: number[] = [];
      const ownP50: number[] = [];
      const constP50: number[] = [];
      const lagP50: number[] = [];
      for (let i = 0; i < LATENCY_ROUNDS; i++) {
        wrkP50.push(p50(await wrk.run(spec({ connections: 1, threads: 1, durationMs: LATENCY_MS }))));
        ownP50.push(p50(await runEngine(spec({ connections: 1, durationMs: LATENCY_MS }))));
        const c = await runEngine(spec({ connections: 4, rps: 1000, durationMs: LATENCY_MS }));
        constP50.push(p50(c));
        lagP50.push(decodeHistogram(c.lagHistogram!).getValueAtPercentile(50) / 1000);
      }
      const w50 = median(wrkP50);
      const o50 = median(ownP50);
      const c50 = median(constP50);
      rows.push({ bench, metric: `p50 latency, 1 connection closed loop, wrk (median of ${LATENCY_ROUNDS}: ${spread(wrkP50, 3)})`, value: round(w50, 3), unit: 'ms' });
      rows.push({ bench, metric: `p50 latency, 1 connection closed loop, built-in (interleaved: ${spread(ownP50, 3)})`, value: round(o50, 3), unit: 'ms', ratio: { value: round(o50 / w50, 2), against: 'wrk' } });
      rows.push({ bench, metric: 'latency the built-in generator adds per request over wrk (p50 difference, same server, same load)', value: round(o50 - w50, 3), unit: 'ms' });
      rows.push({ bench, metric: `p50 latency at a constant 1,000 req/s, built-in (measured from intended send times: ${spread(constP50, 3)})`, value: round(c50, 3), unit: 'ms', ratio: { value: round(c50 / w50, 2), against: 'wrk closed loop p50' } });
      rows.push({ bench, metric: 'schedule lag p50 at 1,000 req/s (requests left this late after their intended time; part of the latency above)', value: round(median(lagP50), 3), unit: 'ms' });

      // 4. Coordinated omission: the same 1 s stall under both models.
      server.stall(1000, 1500);
      const open = await runEngine(spec({ rps: 500, durationMs: 4000, connections: 8 }));
      server.stall(1000, 1500);
      const closed = await runEngine(spec({ durationMs: 4000, connections: 8 }));
      rows.push({ bench, metric: 'target stalls 1 s: p99 at a constant 500 req/s (coordinated omission corrected)', value: round(p99(open), 1), unit: 'ms', target: 'shows the stall (≥ 800 ms)' });
      rows.push({ bench, metric: 'target stalls 1 s: p99 in a closed loop, 8 connections (the stall hidden)', value: round(p99(closed), 3), unit: 'ms', ratio: { value: round(p99(closed) / p99(open), 4), against: 'constant-rate p99' } });
    } finally {
      await server.stop();
    }
    return rows;
  },
};
