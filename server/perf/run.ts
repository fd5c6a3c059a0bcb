/**
 * Running a performance profile: against URLs on loopback (anything else is refused, ML8004), or
 * against a pattern deployed on the local sandbox — deploy it, load its entry service, measure
 * the HAProxy and workload processes from /proc (and the proxy's own request counters from its
 * stats page) while the load runs, undeploy. Every client of the profile runs at once (each URL
 * its own load spec; with `workers` > 1 the built-in generator runs that many processes), and
 * everything measured is merged into one run result with its SMP ServiceMeshConfig and
 * EnvironmentConfig.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TPattern } from '../../patterns/language/schema';
import { createSandboxTarget, type TSandboxTarget } from '../targets/sandbox';
import { findHaproxy, haproxyVersion } from '../targets/sandbox/haproxy';
import { PerfError } from './errors';
import { getGenerator } from './generator';
import { meshloomVersion } from './generator/builtin';
import { createWrkGenerator } from './generator/wrk';
import { mergePartials, toRunResult } from './merge';
import { checkLoopbackUrl, profileDurationMs, specOf } from './profile';
import { machineInfo, processGroup, startSampler, type TProcessGroup } from './resources';
import { SMP_VERSION, type TPerfRun } from './smp';
import type { TGeneratorId, TLoadSpec, TPartialRun, TPerfProfile, TSmpEnvironmentConfig, TSmpMeshConfig } from './types';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

export type TPerfTarget =
  | { kind: 'url' }
  | {
      kind: 'sandbox';
      pattern: TPattern;
      /** Sandbox state folder (default MESHLOOM_SANDBOX_DIR, else data/sandbox of the repo). */
      root?: string;
      /** Service (or gateway endpoint `name:port`) to load; default: the entry service. */
      service?: string;
      /** Leave the deployment running afterwards. */
      keep?: boolean;
    };

export interface TPerfRunOptions {
  profile: TPerfProfile;
  target: TPerfTarget;
  /** Built-in generator: worker processes sharing the load (distributed). */
  workers?: number;
  /** External generators: their threads (wrk -t). */
  threads?: number;
  /** Per-request timeout (default: the client's additional_options timeout, else 10 s). */
  timeoutMs?: number;
  /** wrk: count exact status codes (a Lua response() hook; slower). Default true. */
  wrkExactStatusCodes?: boolean;
  signal?: AbortSignal;
  onProgress?: (message: string) => void;
}

/** The service of a deployed pattern that load enters through, and its URL. */
export function entryOf(pattern: TPattern, endpoints: Record<string, string>, wanted?: string): { name: string; url: string } {
  const http = (name: string) => {
    const url = endpoints[name];
    return url?.startsWith('http://') ? { name, url } : undefined;
  };
  if (wanted) {
    const e = http(wanted);
    if (!e) throw new PerfError('ML8031', `no HTTP endpoint '${wanted}' in this deployment`, [], `endpoints: ${Object.keys(endpoints).join(', ') || 'none'}`);
    return e;
  }
  // 1. An ingress gateway's HTTP listener.
  for (const name of Object.keys(endpoints)) if (name.includes(':') && http(name)) return http(name)!;
  // 2. The first service nobody calls; if it is only a client (it calls others and nothing routes
  //    to it), the first service it calls.
  const services = pattern.spec.services.filter((s) => s.protocol === 'http');
  const called = new Set(pattern.spec.services.flatMap((s) => s.calls));
  const targeted = new Set([...pattern.spec.routes.map((r) => r.service), ...pattern.spec.policies.map((p) => ('target' in p ? p.target : undefined))]);
  for (const s of services.filter((x) => !called.has(x.name))) {
    if (s.calls.length > 0 && !targeted.has(s.name)) {
      for (const callee of s.calls) {
        const e = services.some((x) => x.name === callee) ? http(callee) : undefined;
        if (e) return e;
      }
    }
    const e = http(s.name);
    if (e) return e;
  }
  // 3. Any HTTP service.
  for (const s of services) {
    const e = http(s.name);
    if (e) return e;
  }
  throw new PerfError('ML8031', `pattern ${pattern.metadata.name} has no HTTP service or gateway to load`);
}

/** Resolves a client's endpoint URL against the deployment's entry (paths) and checks it is loopback. */
function resolveUrl(u: string, entry: string | undefined): string {
  if (u.startsWith('/')) {
    if (!entry) throw new PerfError('ML8005', `endpoint '${u}' is a path: it needs a deployment (--target sandbox) to be resolved against`);
    return checkLoopbackUrl(new URL(u, entry).href).href;
  }
  return checkLoopbackUrl(u).href;
}

async function waitForAnswer(url: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const req = request(url, { agent: false, timeout: 2000 }, (res) => {
        res.resume();
        resolve((res.statusCode ?? 0) > 0);
      });
      req.on('error', () => resolve(false));
      req.on('timeout', () => req.destroy());
      req.end();
    });
    if (ok) return;
    if (signal?.aborted) throw new PerfError('ML8041', 'the run was cancelled');
    if (Date.now() > deadline) throw new PerfError('ML8030', `${url} did not answer within ${Math.round(timeoutMs / 1000)} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** HAProxy's frontend totals (requests, bytes out) from its CSV stats page; undefined when unreadable. */
async function proxyTotals(statsPort: number | undefined): Promise<{ requests: number; bytesOut: number } | undefined> {
  if (!statsPort) return undefined;
  const text = await new Promise<string | undefined>((resolve) => {
    const req = request({ host: '127.0.0.1', port: statsPort, path: '/stats;csv', agent: false, timeout: 2000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(res.statusCode === 200 ? Buffer.concat(chunks).toString('utf8') : undefined));
    });
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => req.destroy());
    req.end();
  });
  if (!text) return undefined;
  const lines = text.trim().split('\n');
  const header = (lines[0] ?? '').replace(/^# /, '').split(',');
  const col = (name: string) => header.indexOf(name);
  const [px, sv, req, bout] = [col('pxname'), col('svname'), col('req_tot'), col('bout')];
  if (px < 0 || sv < 0 || req < 0 || bout < 0) return undefined;
  let requests = 0;
  let bytesOut = 0;
  for (const line of lines.slice(1)) {
    const f = line.split(',');
    if (f[sv] !== 'FRONTEND' || f[px] === 'meshloom_stats') continue;
    requests += Number(f[req] || 0);
    bytesOut += Number(f[bout] || 0);
  }
  return { requests, bytesOut };
}

function environmentOf(urls: string[], headers: Record<string, string>, workloads?: TSmpEnvironmentConfig['individual_workloads']): TSmpEnvironmentConfig {
  const m = machineInfo();
  return {
    smp_version: SMP_VERSION,
    id: randomUUID(),
    labels: { os: m.os, kernel: m.kernel, arch: m.arch, node: m.node },
    nodes: [{ ...(m.cpuModel ? { type: m.cpuModel } : {}), cores: m.cores, mem_mb: m.memMb }],
    ...(workloads && workloads.length ? { individual_workloads: workloads } : {}),
    traffic_metadata: { host_endpoint: urls.join(' '), ...(Object.keys(headers).length ? { http_headers: JSON.stringify(headers) } : {}) },
  };
}

function sandboxRoot(): string {
  const dir = process.env.MESHLOOM_SANDBOX_DIR || 'data/sandbox';
  return isAbsolute(dir) ? dir : join(REPO, dir);
}

function deploymentName(pattern: TPattern): string {
  return `perf-${pattern.metadata.name}`.slice(0, 63).replace(/-+$/, '');
}

/** Runs every load spec at once with its generator and merges what they measured. */
async function runSpecs(jobs: { generator: TGeneratorId; spec: TLoadSpec }[], o: TPerfRunOptions): Promise<TPartialRun> {
  const signal = o.signal ? { signal: o.signal } : {};
  const parts = await Promise.all(
    jobs.map(({ generator, spec }) => {
      // The built-in generator runs `workers` processes when its spec has that many threads.
      if (generator === 'builtin') return getGenerator('builtin').run({ ...spec, threads: Math.max(1, o.workers ?? 1) }, signal);
      if (generator === 'wrk' && o.wrkExactStatusCodes === false) return createWrkGenerator({ exactStatusCodes: false }).run(spec, signal);
      return getGenerator(generator).run(spec, signal);
    }),
  );
  return mergePartials(parts);
}

/** `count` split over `n` parts (the first ones get the remainder). */
const share = (count: number, n: number, i: number) => Math.floor(count / n) + (i < count % n ? 1 : 0);

export async function runPerf(o: TPerfRunOptions): Promise<TPerfRun> {
  const profile = o.profile;
  const progress = o.onProgress ?? (() => {});
  const generators = [...new Set(profile.clients.map((c) => c.load_generator))];
  if (generators.length > 1) throw new PerfError('ML8003', `one load generator per run (the clients ask for ${generators.join(', ')})`);
  const generator = generators[0]!;
  const rates = new Set(profile.clients.map((c) => c.rps > 0));
  if (rates.size > 1) throw new PerfError('ML8003', 'all clients run closed loop (rps 0) or all at a constant rate: not a mix');
  if ((o.workers ?? 1) > 1 && generator !== 'builtin') throw new PerfError('ML8003', `--workers is for the built-in generator (${generator} has its own threads: --threads)`);
  for (const c of profile.clients) {
    const refused = getGenerator(generator).refuses?.({ rps: c.rps, ...(c.body !== undefined ? { body: c.body } : {}) });
    if (refused) throw new PerfError('ML8003', refused.message, [], refused.hint);
  }
  const avail = await getGenerator(generator).available();
  if (!avail.ok) throw new PerfError('ML8010', `load generator ${generator}: ${avail.reason}`);
  const durationMs = profileDurationMs(profile);

  let target: TSandboxTarget | undefined;
  let deployment: string | undefined;
  let entry: { name: string; url: string } | undefined;
  let meshConfig: TSmpMeshConfig | undefined;
  try {
    if (o.target.kind === 'sandbox') {
      const pattern = o.target.pattern;
      target = createSandboxTarget({ root: o.target.root ?? sandboxRoot() });
      const ok = await target.available();
      if (!ok.ok) throw new PerfError('ML8030', `the sandbox is not available: ${ok.reason}`);
      deployment = deploymentName(pattern);
      progress(`deploying ${pattern.metadata.name} on the sandbox as ${deployment}`);
      const applied = await target.apply({ deployment, pattern, mesh: 'haproxy' }, o.signal ? { signal: o.signal } : {});
      if (!applied.ok) throw new PerfError('ML8030', `deploying ${pattern.metadata.name} failed: ${applied.error?.code ?? ''} ${applied.error?.message ?? ''}`.trim());
      entry = entryOf(pattern, applied.endpoints ?? {}, o.target.service);
      await waitForAnswer(entry.url, 30_000, o.signal);
      progress(`entry: ${entry.name} at ${entry.url}`);
    }

    // Every client's URLs (paths resolve against the entry service; none given: the entry itself),
    // the client's connections and rate split over them.
    const ranProfile: TPerfProfile = {
      ...profile,
      clients: profile.clients.map((c) => {
        const urls = c.endpoint_urls.length ? c.endpoint_urls : entry ? [`${entry.url}/`] : [];
        if (urls.length === 0) throw new PerfError('ML8005', 'no endpoint URL to load (give a URL, or a pattern with --target sandbox)');
        return { ...c, endpoint_urls: urls.map((u) => resolveUrl(u, entry?.url)) };
      }),
    };
    const timing = { ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}), ...(o.threads ? { threads: o.threads } : {}) };
    const specs = ranProfile.clients.flatMap((c) =>
      c.endpoint_urls.map((url, i, all) => ({
        generator: c.load_generator,
        spec: specOf({ ...c, connections: Math.max(1, share(c.connections, all.length, i)), rps: c.rps > 0 ? Math.max(1, share(c.rps, all.length, i)) : 0 }, url, durationMs, timing),
      })),
    );

    // Measure the sandbox's processes while the load runs.
    const groups: TProcessGroup[] = [];
    let statsPort: number | undefined;
    if (target && deployment) {
      const procs = target.processes(deployment);
      const master = procs?.proxy?.proc?.pid;
      if (master) groups.push({ name: 'proxy', pids: () => processGroup(master) });
      const byVersion = new Map<string, number[]>();
      for (const w of procs?.workloads ?? []) if (w.proc) byVersion.set(`${w.service}-${w.version}`, [...(byVersion.get(`${w.service}-${w.version}`) ?? []), w.proc.pid]);
      for (const [name, pids] of byVersion) groups.push({ name: `workload:${name}`, pids: () => pids });
      try {
        statsPort = (JSON.parse(readFileSync(join(target.root, deployment, 'state.json'), 'utf8')) as { ports?: Record<string, number> }).ports?.stats;
      } catch {
        statsPort = undefined;
      }
    }
    const before = await proxyTotals(statsPort);
    const sampler = groups.length ? startSampler(groups) : undefined;
    const connections = specs.reduce((n, s) => n + s.spec.connections, 0);
    const requestedRps = specs.reduce((n, s) => n + s.spec.rps, 0);
    progress(`${generator}: ${requestedRps > 0 ? `${requestedRps} rps constant rate` : 'closed loop'}, ${connections} connections, ${profile.duration}`);
    let partial: TPartialRun;
    let usage: ReturnType<NonNullable<typeof sampler>['stop']> | undefined;
    try {
      partial = await runSpecs(specs, o);
    } finally {
      // Stop sampling even when the run fails (the timer must not outlive it).
      usage = sampler?.stop();
    }
    const after = await proxyTotals(statsPort);

    const first = specs[0]!.spec;
    const result = toRunResult(partial, {
      profileId: profile.id ?? randomUUID(),
      profileName: profile.name,
      labels: { ...profile.labels, generator, ...(o.target.kind === 'sandbox' ? { target: 'sandbox', pattern: o.target.pattern.metadata.name } : { target: 'url' }) },
      generator,
      url: first.url,
      method: first.method,
      requestedRps,
      connections,
      workers: generator === 'builtin' ? Math.max(1, o.workers ?? 1) : 1,
      durationMs,
    });
    if (!result.generatorVersion && avail.version) result.generatorVersion = avail.version;
    ranProfile.id = result.profileId;

    const workloads: NonNullable<TSmpEnvironmentConfig['individual_workloads']> = [];
    if (usage && o.target.kind === 'sandbox' && deployment) {
      // CPU per second of load (the sampling also spans the setup around it, which costs ~nothing).
      const seconds = result.durationMs / 1000;
      const mcores = (u: { cpuSeconds: number }) => Math.round((u.cpuSeconds / seconds) * 1000);
      for (const [name, u] of Object.entries(usage)) {
        if (!name.startsWith('workload:')) continue;
        workloads.push({ name: name.slice('workload:'.length), count: u.processes, cpu_mcores: mcores(u), mem_mb: u.memMb });
      }
      const proxy = usage.proxy;
      const hv = await haproxyVersion(findHaproxy() ?? 'haproxy');
      const policies = o.target.pattern.spec.policies;
      const mtls = policies.some((p) => p.kind === 'MutualTLS' && p.mode !== 'disabled');
      meshConfig = {
        smp_version: SMP_VERSION,
        id: randomUUID(),
        labels: { mesh: 'haproxy', target: 'sandbox', pattern: o.target.pattern.metadata.name, deployment },
        // The sandbox's one HAProxy carries every service's traffic (it is the data plane of all of
        // them): its measurements go in SMP's sidecar message (count = proxies, not processes).
        ...(proxy
          ? {
              sidecar: {
                count: 1,
                cpu_mcores: mcores(proxy),
                mem_mb: proxy.memMb,
                ...(before && after && seconds > 0 ? { rps: Math.round((after.requests - before.requests) / seconds), bps: Math.round((after.bytesOut - before.bytesOut) / seconds) } : {}),
              },
              // Threads of the busiest HAProxy process: its worker's nbthread.
              proxy_concurrency: proxy.maxThreads,
            }
          : {}),
        mtls_enabled: mtls,
        mesh_policy_enabled: policies.some((p) => p.kind === 'Authorization'),
        mesh_telemetry_enabled: policies.some((p) => p.kind === 'Metrics' || p.kind === 'Tracing' || p.kind === 'AccessLog'),
        mesh_build: `${meshloomVersion()} sandbox`,
        ...(hv.ok ? { proxy_build: `HAProxy ${hv.version}` } : {}),
        exp_uuid: result.id,
      };
    }
    const environment = environmentOf(
      [...new Set(specs.map((s) => s.spec.url))],
      first.headers,
      workloads,
    );
    return { profile: ranProfile, result, ...(meshConfig ? { meshConfig } : {}), environment };
  } finally {
    if (target && deployment && !(o.target.kind === 'sandbox' && o.target.keep)) {
      progress(`undeploying ${deployment}`);
      await target.delete({ deployment, mesh: 'haproxy' }).catch(() => undefined);
    }
  }
}
