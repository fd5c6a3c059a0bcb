// The local sandbox for real (HAProxy + sample workloads on 127.0.0.1): how long from an apply
// request to the first 200 through the proxy (median of 3 fresh deploys), and what the proxy adds
// to a request (p50/p99 of 2,000 sequential keep-alive requests, through HAProxy and directly).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePattern } from '@/patterns/language';
import { findHaproxy } from '@/server/targets/sandbox/haproxy';
import { createSandboxTarget } from '@/server/targets/sandbox';
import type { TSandboxState } from '@/server/targets/sandbox/state';
import { median, round, type TBenchRow, type TBenchSuite } from './harness';

const DEPLOYS = 3;
const REQUESTS = 2000;
const WARMUP = 500;

function get(url: string, agent: Agent | false): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Latencies in ms of `n` sequential GETs to each URL, one keep-alive connection per URL, the
 * URLs taking turns (so both see the same machine state), each list sorted.
 */
async function interleaved(urls: string[], n: number): Promise<number[][]> {
  const agents = urls.map(() => new Agent({ keepAlive: true, maxSockets: 1 }));
  try {
    for (let i = 0; i < WARMUP; i++) for (const [k, url] of urls.entries()) await get(url, agents[k]!);
    const out = urls.map(() => [] as number[]);
    for (let i = 0; i < n; i++) {
      for (const [k, url] of urls.entries()) {
        const t0 = performance.now();
        const status = await get(url, agents[k]!);
        out[k]!.push(performance.now() - t0);
        if (status !== 200) throw new Error(`${url}: HTTP ${status}`);
      }
    }
    return out.map((xs) => xs.sort((a, b) => a - b));
  } finally {
    for (const a of agents) a.destroy();
  }
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

const ECHO = `apiVersion: meshloom.dev/v1alpha1
kind: Pattern
metadata: {name: bench-echo, title: Proxy overhead, category: performance}
spec:
  services: [{name: echo}]
`;

export const sandboxBench: TBenchSuite = {
  name: 'sandbox',
  async run() {
    if (!findHaproxy()) {
      console.log('  skipped: haproxy is not installed (npm run setup installs it)');
      return [];
    }
    const root = mkdtempSync(join(tmpdir(), 'meshloom-sandbox-bench-'));
    const target = createSandboxTarget({ root });
    const rows: TBenchRow[] = [];
    try {
      // 1. apply → first 200 through the proxy, fresh deploys of the catalog canary (3 workloads).
      const canary = parsePattern(readFileSync(join('patterns', 'catalog', 'canary-deployment.yaml'), 'utf8')).pattern!;
      const firstOk: number[] = [];
      const applyOnly: number[] = [];
      for (let i = 0; i < DEPLOYS; i++) {
        const deployment = `bench-canary-${i}`;
        const t0 = performance.now();
        const r = await target.apply({ deployment, pattern: canary, mesh: 'haproxy' });
        const applied = performance.now() - t0;
        if (!r.ok || !r.endpoints?.reviews) throw new Error(`apply failed: ${r.error?.code} ${r.error?.message}`);
        while ((await get(`${r.endpoints.reviews}/`, false).catch(() => 0)) !== 200) {
          if (performance.now() - t0 > 30_000) throw new Error('no 200 through the proxy within 30 s');
        }
        firstOk.push(performance.now() - t0);
        applyOnly.push(applied);
        await target.delete({ deployment, mesh: 'haproxy' });
      }
      const first = median(firstOk);
      rows.push({
        bench: this.name,
        metric: `apply → first 200 through HAProxy, fresh deploy of canary-deployment (median of ${DEPLOYS}: ${firstOk.map((x) => round(x, 0)).join(', ')} ms)`,
        value: round(first),
        unit: 'ms',
        target: '< 2000 ms',
        ratio: { value: round(first / median(applyOnly)), against: 'the apply call alone' },
      });

      // 2. What the proxy adds: the same workload, through HAProxy and directly.
      const echo = parsePattern(ECHO).pattern!;
      const r = await target.apply({ deployment: 'bench-echo', pattern: echo, mesh: 'haproxy' });
      if (!r.ok || !r.endpoints?.echo) throw new Error(`apply failed: ${r.error?.code} ${r.error?.message}`);
      const state = JSON.parse(readFileSync(join(root, 'bench-echo', 'state.json'), 'utf8')) as TSandboxState;
      const [direct, proxied] = (await interleaved([`http://127.0.0.1:${state.workloads['process/echo/v1/0']!.spec.port}/`, `${r.endpoints.echo}/`], REQUESTS)) as [number[], number[]];
      for (const [label, p] of [
        ['p50', 0.5],
        ['p99', 0.99],
      ] as const) {
        const d = pct(direct, p);
        const v = pct(proxied, p);
        rows.push({ bench: this.name, metric: `${label} latency, workload called directly (${REQUESTS} sequential keep-alive requests, taking turns with the proxied ones)`, value: round(d, 3), unit: 'ms' });
        rows.push({ bench: this.name, metric: `${label} latency through HAProxy (same workload, same requests)`, value: round(v, 3), unit: 'ms', ratio: { value: round(v / d), against: `direct ${label}` } });
        rows.push({ bench: this.name, metric: `${label} added by the proxy`, value: round(v - d, 3), unit: 'ms', ...(label === 'p50' ? { target: '< 1 ms' } : {}) });
      }
      await target.delete({ deployment: 'bench-echo', mesh: 'haproxy' });
    } finally {
      for (const d of target.deployments()) await target.delete({ deployment: d, mesh: 'haproxy' });
      rmSync(root, { recursive: true, force: true });
    }
    return rows;
  },
};
