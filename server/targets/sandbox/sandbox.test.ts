/**
 * The sandbox target for real: real HAProxy, real sample-workload processes, real HTTP on
 * 127.0.0.1. One deployment per scenario, run one after the other; every process is stopped and
 * the temporary root removed in afterAll, whatever happened. Skipped (with the reason printed)
 * only when haproxy is not installed.
 */
import { readdirSync, readFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePattern, type TPattern } from '@/patterns/language';
import type { TApplyResult } from '../types';
import { findHaproxy } from './haproxy';
import { createSandboxTarget, type TSandboxTarget } from './index';
import { TAG_ENV } from './layout';
import { isAlive, stopProcess } from './proc';
import type { TSandboxState } from './state';

const haproxyBin = findHaproxy();
if (!haproxyBin) console.log('skipping the sandbox target tests: haproxy is not installed (npm run setup installs it)');

// --- helpers ---------------------------------------------------------------------------------

function pattern(name: string, spec: string): TPattern {
  const text = `apiVersion: meshloom.dev/v1alpha1\nkind: Pattern\nmetadata: {name: ${name}, title: ${name}, category: resiliency}\nspec:\n${spec}`;
  const r = parsePattern(text);
  if (!r.pattern) throw new Error(`test pattern ${name} does not parse: ${JSON.stringify(r.diagnostics)}`);
  return r.pattern;
}

const catalog = (name: string) => {
  const r = parsePattern(readFileSync(join('patterns', 'catalog', `${name}.yaml`), 'utf8'));
  if (!r.pattern) throw new Error(`${name} does not parse`);
  return r.pattern;
};

interface TReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  ms: number;
}

const agent = new Agent({ keepAlive: true, maxSockets: 32 });

/** GET; like a browser, sent again once when a pooled connection turns out closed (HAProxy closes idle ones on a reload). */
function get(url: string, headers: Record<string, string> = {}, keepAlive = true, retry = true): Promise<TReply> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request(url, { agent: keepAlive ? agent : false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - t0 }));
      res.on('error', reject);
    });
    req.on('error', (e: NodeJS.ErrnoException) => (retry && req.reusedSocket && e.code === 'ECONNRESET' ? get(url, headers, keepAlive, false).then(resolve, reject) : reject(e)));
    req.end();
  });
}

/** `n` calls of `fn`, at most `concurrency` at a time, results in call order. */
async function many<T>(n: number, concurrency: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await fn(i);
      }
    }),
  );
  return out;
}

/** GET over TLS to a loopback port, trusting `ca`, presenting `pem` (certificate + key) when given. */
function tlsGet(port: number, path: string, ca: string, pem?: string): Promise<{ status: number; body: string } | { error: string }> {
  const cert = pem?.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/)?.[0];
  const key = pem?.match(/-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/)?.[0];
  return new Promise((resolve) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path, ca, servername: 'catalog', agent: false, ...(cert && key ? { cert, key } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (e) => resolve({ error: e.message }));
    });
    req.on('error', (e) => resolve({ error: e.message }));
    req.end();
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const count = <T>(xs: T[], f: (x: T) => boolean) => xs.filter(f).length;

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Processes whose environment says they belong to a deployment under `dir` (a root or a deployment). */
function processesUnder(dir: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const env = readFileSync(`/proc/${name}/environ`, 'utf8').split('\0');
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      if (env.some((e) => e === `${TAG_ENV}=${dir}` || e.startsWith(`${TAG_ENV}=${dir}/`))) out.push(Number(name));
    } catch {
      /* gone, or not ours */
    }
  }
  return out;
}

// --- the suite ---------------------------------------------------------------------------------

describe.skipIf(!haproxyBin)('sandbox target (real HAProxy, real processes, loopback)', () => {
  let root = '';
  let target: TSandboxTarget;
  const state = (deployment: string) => JSON.parse(readFileSync(join(root, deployment, 'state.json'), 'utf8')) as TSandboxState;
  const deploy = async (deployment: string, p: TPattern): Promise<TApplyResult & { endpoints: Record<string, string> }> => {
    const r = await target.apply({ deployment, pattern: p, mesh: 'haproxy' });
    if (!r.ok) throw new Error(`apply ${deployment} failed: ${r.error?.code} ${r.error?.message}\n${JSON.stringify(await target.logs?.({ deployment, mesh: 'haproxy' }, { tail: 20 }), null, 1)}`);
    return r as TApplyResult & { endpoints: Record<string, string> };
  };
  const undeploy = (deployment: string) => target.delete({ deployment, mesh: 'haproxy' });

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'meshloom-sandbox-test-'));
    target = createSandboxTarget({ root });
  });

  afterAll(async () => {
    agent.destroy();
    if (!root) return;
    try {
      const t = createSandboxTarget({ root });
      for (const d of t.deployments()) await t.delete({ deployment: d, mesh: 'haproxy' });
    } finally {
      // Whatever the state says: nothing tagged with this root survives the suite.
      for (const pid of processesUnder(root)) {
        const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
        await stopProcess({ pid, start: Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[19]) }, 1000);
      }
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('is available and runs the haproxy mesh only', async () => {
    expect(await target.available()).toEqual({ ok: true });
    const r = await target.apply({ deployment: 'wrong-mesh', pattern: catalog('canary-deployment'), mesh: 'istio' });
    expect(r.ok).toBe(false);
    expect(r.error?.code).toBe('ML7002');
  });

  it('splits a 90/10 canary within ±3 points over 2,000 requests', async () => {
    const r = await deploy('canary', catalog('canary-deployment'));
    const replies = await many(2000, 8, () => get(`${r.endpoints.reviews}/`));
    expect(count(replies, (x) => x.status === 200)).toBe(2000);
    const v2 = count(replies, (x) => x.headers['x-meshloom-version'] === 'v2');
    const v1 = count(replies, (x) => x.headers['x-meshloom-version'] === 'v1');
    console.log(`[sandbox] canary: v1 ${((v1 / 20)).toFixed(1)}%, v2 ${(v2 / 20).toFixed(1)}% of 2,000`);
    expect(v1 + v2).toBe(2000);
    expect(Math.abs((v1 / 2000) * 100 - 90)).toBeLessThanOrEqual(3);
    expect(Math.abs((v2 / 2000) * 100 - 10)).toBeLessThanOrEqual(3);
    // The opt-in header rule sends everything to the canary.
    const optIn = await many(20, 4, () => get(`${r.endpoints.reviews}/`, { 'x-canary': 'always' }));
    expect(optIn.every((x) => x.headers['x-meshloom-version'] === 'v2')).toBe(true);
    await undeploy('canary');
  });

  it('retries turn a backend failing 30% of requests into ≥ 97% success', async () => {
    const p = pattern(
      'sandbox-retry',
      `  services:
    - {name: flaky, versions: [{name: v1, errorRate: 0.3}]}
  policies:
    - {kind: Retry, target: flaky, attempts: 3, on: [5xx]}
`,
    );
    const r = await deploy('retry', p);
    const direct = `http://127.0.0.1:${state('retry').workloads['process/flaky/v1/0']!.spec.port}/`;
    const raw = await many(1000, 8, () => get(direct));
    const viaProxy = await many(1000, 8, () => get(`${r.endpoints.flaky}/`));
    const rawOk = count(raw, (x) => x.status === 200) / 10;
    const ok = count(viaProxy, (x) => x.status === 200) / 10;
    console.log(`[sandbox] retry: workload alone ${rawOk}% success, through HAProxy with 3 retries ${ok}% (1,000 requests each)`);
    expect(rawOk).toBeLessThan(80);
    expect(rawOk).toBeGreaterThan(60);
    expect(ok).toBeGreaterThanOrEqual(97);
    await undeploy('retry');
  });

  it('a timeout answers 504 within the timeout + 100 ms', async () => {
    const p = pattern(
      'sandbox-timeout',
      `  services:
    - {name: slow, versions: [{name: v1, latency: 1s}]}
  routes:
    - service: slow
      rules: [{timeout: 250ms, backends: [{version: v1}]}]
`,
    );
    const r = await deploy('timeout', p);
    const replies: TReply[] = [];
    for (let i = 0; i < 5; i++) replies.push(await get(`${r.endpoints.slow}/`, {}, false));
    const times = replies.map((x) => x.ms).sort((a, b) => a - b);
    console.log(`[sandbox] timeout 250ms: ${replies.map((x) => `${x.status} in ${x.ms.toFixed(0)} ms`).join(', ')}`);
    expect(replies.every((x) => x.status === 504)).toBe(true);
    // Median of 5 (a busy test machine may delay one client-side reading, never HAProxy's timer).
    expect(times[2]).toBeLessThan(250 + 100);
    expect(times[0]).toBeGreaterThanOrEqual(245);
    // A fast answer passes (the per-request latency header overrides the workload's 1 s).
    expect((await get(`${r.endpoints.slow}/`, { 'x-meshloom-latency': '0' })).status).toBe(200);
    await undeploy('timeout');
  });

  it('a 50 rps rate limit answers 429 above the rate and never below it', async () => {
    const p = pattern(
      'sandbox-rate-limit',
      `  services: [{name: api}]
  policies:
    - {kind: RateLimit, target: api, requests: 50, interval: 1s}
`,
    );
    const r = await deploy('rate-limit', p);
    const url = `${r.endpoints.api}/`;
    // Below: 30 requests per second for 2 s, paced.
    const t0 = performance.now();
    const below = await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        await sleep(Math.max(0, t0 + (i * 1000) / 30 - performance.now()));
        return get(url);
      }),
    );
    // Let the sliding window empty (HAProxy weighs in the previous period), then 300 at once.
    await sleep(2100);
    const t1 = performance.now();
    const above = await many(300, 16, () => get(url));
    const burstMs = performance.now() - t1;
    const b429 = count(below, (x) => x.status === 429);
    const a200 = count(above, (x) => x.status === 200);
    const a429 = count(above, (x) => x.status === 429);
    console.log(`[sandbox] rate limit 50/s: at 30 rps ${count(below, (x) => x.status === 200)} × 200, ${b429} × 429; burst of 300 in ${burstMs.toFixed(0)} ms: ${a200} × 200, ${a429} × 429`);
    expect(b429).toBe(0);
    expect(count(below, (x) => x.status === 200)).toBe(60);
    expect(a200 + a429).toBe(300);
    // 50 pass per second of burst (one second when the machine is quick), the rest get 429.
    expect(a200).toBeGreaterThanOrEqual(45);
    expect(a200).toBeLessThanOrEqual(50 * Math.max(1, Math.ceil(burstMs / 1000)) + 5);
    expect(a429).toBeGreaterThanOrEqual(150);
    await undeploy('rate-limit');
  });

  it('a circuit breaker ejects the failing version and traffic recovers', async () => {
    const p = pattern(
      'sandbox-circuit-breaker',
      `  services:
    - name: api
      versions: [{name: v1}, {name: v2, errorRate: 1}]
  policies:
    - {kind: CircuitBreaker, target: api, consecutiveErrors: 3, ejectionTime: 2s}
`,
    );
    const r = await deploy('circuit-breaker', p);
    const url = `${r.endpoints.api}/`;
    const stats = `http://127.0.0.1:${state('circuit-breaker').ports.stats}/stats;csv`;
    const serverStatus = async (name: string) => {
      const csv = (await get(stats)).body.split('\n').map((l) => l.split(','));
      return csv.find((c) => c[0] === 'be_api' && c[1] === name)?.[17];
    };
    // Round robin over v1 (healthy) and v2 (always 500): v2 answers until 3 errors in a row.
    const first: TReply[] = [];
    for (let i = 0; i < 60; i++) first.push(await get(url));
    const failures = count(first, (x) => x.status === 500);
    const firstFailure = first.findIndex((x) => x.status === 500);
    const lastFailure = first.map((x) => x.status).lastIndexOf(500);
    const tail = first.slice(lastFailure + 1);
    console.log(`[sandbox] circuit breaker: ${failures} × 500 (requests ${firstFailure + 1}–${lastFailure + 1}), then ${tail.length} × 200 from v1; v2 is ${await serverStatus('api-v2-0')}`);
    expect(failures).toBe(3);
    expect(tail.length).toBeGreaterThanOrEqual(50);
    expect(tail.every((x) => x.status === 200 && x.headers['x-meshloom-version'] === 'v1')).toBe(true);
    expect(await serverStatus('api-v2-0')).toBe('DOWN');
    // After the ejection time the check lets v2 back in; healed (per-request error rate 0), it serves again.
    await sleep(2600);
    expect(await serverStatus('api-v2-0')).toMatch(/^UP/);
    const healed = await many(40, 1, () => get(url, { 'x-meshloom-error-rate': '0' }));
    expect(healed.every((x) => x.status === 200)).toBe(true);
    expect(count(healed, (x) => x.headers['x-meshloom-version'] === 'v2')).toBeGreaterThanOrEqual(15);
    await undeploy('circuit-breaker');
  });

  it('an access rule gives 403 to a caller not allowed and 200 to one allowed (real a→b traffic)', async () => {
    const p = pattern(
      'sandbox-access',
      `  services:
    - {name: web, calls: [api]}
    - {name: intruder, calls: [api]}
    - {name: api}
  policies:
    - kind: Authorization
      target: api
      rules: [{from: {services: [web]}}]
`,
    );
    const r = await deploy('access', p);
    const allowed = await get(`${r.endpoints.web}/call/api/orders`);
    const denied = await get(`${r.endpoints.intruder}/call/api/orders`);
    const anonymous = await get(`${r.endpoints.api}/orders`);
    console.log(`[sandbox] access: web → api ${allowed.status}, intruder → api ${denied.status}, no identity → api ${anonymous.status}`);
    expect(allowed.status).toBe(200);
    const body = JSON.parse(allowed.body) as { service: string; upstream: { service: string; source: string; path: string } };
    expect(body).toMatchObject({ service: 'web', upstream: { service: 'api', source: 'web', path: '/orders' } });
    expect(denied.status).toBe(403);
    expect(JSON.parse(denied.body)).toMatchObject({ service: 'intruder', called: 'api', status: 403 });
    expect(anonymous.status).toBe(403);
    // Only the allowed call reached the api workload.
    const counts = JSON.parse((await get(`http://127.0.0.1:${state('access').workloads['process/api/v1/0']!.spec.port}/_meshloom/counts`)).body) as { counts: Record<string, number> };
    expect(counts.counts).toEqual({ web: 1 });
    await undeploy('access');
  });

  it('mutual TLS: a caller presents its own certificate and the callee authorizes its CN', async () => {
    const r = await deploy('mtls', catalog('zero-trust-mtls'));
    expect(r.objects.filter((o) => o.kind === 'Certificate').map((o) => o.name)).toEqual(['ca.pem', 'catalog.pem', 'frontend.pem', 'orders.pem', 'payments.pem']);
    const s = state('mtls');
    const direct = (svc: string) => `http://127.0.0.1:${s.workloads[`process/${svc}/v1/0`]!.spec.port}`;
    // frontend → catalog: allowed for GET /products, identity from frontend's certificate.
    const allowed = await get(`${direct('frontend')}/call/catalog/products`);
    expect(allowed.status).toBe(200);
    expect(JSON.parse(allowed.body)).toMatchObject({ upstream: { service: 'catalog', source: 'frontend', path: '/products' } });
    expect((await get(`${direct('frontend')}/call/catalog/admin`)).status).toBe(403);
    expect((await get(`${direct('orders')}/call/catalog/products`)).status).toBe(403);
    // The inbound listener itself: TLS only, and only with a certificate of the deployment's CA.
    const certs = join(root, 'mtls', 'certs');
    const ca = readFileSync(join(certs, 'ca.pem'), 'utf8');
    const inbound = s.ports['inbound:catalog/v1']!;
    const withCert = await tlsGet(inbound, '/products', ca, readFileSync(join(certs, 'frontend.pem'), 'utf8'));
    const withoutCert = await tlsGet(inbound, '/products', ca);
    console.log(`[sandbox] mTLS: frontend → catalog ${allowed.status}, orders → catalog 403; inbound listener with frontend's certificate ${'status' in withCert ? withCert.status : withCert.error}, without a certificate: ${'error' in withoutCert ? (/alert [a-z ]+/.exec(withoutCert.error)?.[0] ?? withoutCert.error) : withoutCert.status}`);
    expect(withCert).toMatchObject({ status: 200 });
    expect('error' in withoutCert || withoutCert.status !== 200).toBe(true);
    await undeploy('mtls');
  });

  it('a failed first apply reports its outcomes and its rollback leaves nothing behind', async () => {
    const broken = createSandboxTarget({ root, sampleApp: join(root, 'no-such-program.mjs') });
    const ref = { deployment: 'broken', mesh: 'haproxy' as const };
    const r = await broken.apply({ ...ref, pattern: catalog('canary-deployment') });
    expect(r.ok).toBe(false);
    expect(r.error?.code).toBe('ML7011');
    expect(r.error?.message).toMatch(/exited.*Cannot find module/s);
    expect(r.objects.filter((o) => o.kind === 'Workload').map((o) => o.status)).toEqual(['failed', 'failed', 'failed']);
    expect(r.objects.find((o) => o.kind === 'Proxy')?.status).toBe('skipped');
    expect((await broken.status(ref)).objects.filter((o) => o.kind === 'Workload').map((o) => o.health)).toEqual(['missing', 'missing', 'missing']);
    const rb = await broken.rollback(ref, r.objects);
    expect(rb.ok).toBe(true);
    expect(existsSync(join(root, 'broken'))).toBe(false);
    expect(processesUnder(join(root, 'broken'))).toEqual([]);
  });

  it('a configuration HAProxy rejects fails with ML7012 and HAProxy’s message, before anything runs', async () => {
    // The pattern language accepts this regex; PCRE (and so haproxy -c) does not.
    const p = pattern(
      'sandbox-bad-regex',
      `  services: [{name: api}]
  routes:
    - service: api
      rules:
        - {match: {path: {regex: "/v[0-9+"}}, backends: [{service: api}]}
        - {backends: [{service: api}]}
`,
    );
    const ref = { deployment: 'bad-regex', mesh: 'haproxy' as const };
    const r = await target.apply({ ...ref, pattern: p });
    expect(r.ok).toBe(false);
    expect(r.error?.code).toBe('ML7012');
    expect(r.error?.message).toMatch(/\[ALERT\].*regex/i);
    expect(r.objects.map((o) => `${o.kind} ${o.status}`)).toEqual(['ProxyConfig failed', 'Workload skipped', 'Proxy skipped']);
    expect(processesUnder(join(root, 'bad-regex'))).toEqual([]);
    expect((await target.rollback(ref, r.objects)).ok).toBe(true);
    expect(existsSync(join(root, 'bad-regex'))).toBe(false);
  });

  describe('lifecycle of one deployment', () => {
    const v = (w1: number, w2: number) =>
      pattern(
        'sandbox-lifecycle',
        `  services:
    - {name: front, calls: [shop]}
    - {name: shop, versions: [v1, v2]}
  routes:
    - service: shop
      rules: [{backends: [{version: v1, weight: ${w1}}, {version: v2, weight: ${w2}}]}]
  policies:
    - {kind: AccessLog, target: shop}
`,
      );
    const ref = { deployment: 'lifecycle', mesh: 'haproxy' as const };
    let endpoints: Record<string, string> = {};
    let reloaded: TApplyResult | undefined;

    it('a second apply of the same pattern changes nothing and restarts nothing', async () => {
      const first = await deploy('lifecycle', v(50, 50));
      endpoints = first.endpoints;
      expect(first.changed).toBe(true);
      expect(first.objects.map((o) => `${o.kind} ${o.key} ${o.action} ${o.status}`)).toEqual([
        'ProxyConfig file/haproxy.cfg create applied',
        'Workload process/front/v1/0 create applied',
        'Workload process/shop/v1/0 create applied',
        'Workload process/shop/v2/0 create applied',
        'Proxy process/haproxy create applied',
      ]);
      const before = state('lifecycle');
      const second = await target.apply({ ...ref, pattern: v(50, 50) });
      expect(second.ok).toBe(true);
      expect(second.changed).toBe(false);
      expect(second.objects.every((o) => o.action === 'unchanged' && o.status === 'unchanged')).toBe(true);
      expect(second.endpoints).toEqual(first.endpoints);
      const plan = await target.plan({ ...ref, pattern: v(50, 50) });
      expect(plan.summary).toEqual({ create: 0, update: 0, delete: 0, unchanged: 5 });
      expect(state('lifecycle')).toEqual({ ...before, updatedAt: before.updatedAt });
    });

    it('concurrent operations on one deployment: the second gets ML7004', async () => {
      const a = target.apply({ ...ref, pattern: v(50, 50) });
      const b = await target.delete(ref);
      expect(b.ok).toBe(false);
      expect(b.error?.code).toBe('ML7004');
      expect((await a).ok).toBe(true);
    });

    it('a reload on config change keeps an in-flight slow request alive', async () => {
      const master = state('lifecycle').proxy!.proc!;
      const slow = get(`${endpoints.shop}/slow`, { 'x-meshloom-latency': '1500' }, false);
      await sleep(200);
      const plan = await target.plan({ ...ref, pattern: v(80, 20) });
      expect(plan.summary).toMatchObject({ update: 2, create: 0, delete: 0 });
      expect(plan.changes.find((c) => c.key === 'file/haproxy.cfg')?.diff).toMatch(/^-\s+server shop-v1-0 .* weight 50$/m);
      const r = await target.apply({ ...ref, pattern: v(80, 20) });
      reloaded = r;
      expect(r.ok).toBe(true);
      expect(r.objects.filter((o) => o.action !== 'unchanged').map((o) => `${o.key} ${o.action}`)).toEqual(['file/haproxy.cfg update', 'process/haproxy update']);
      expect(r.objects.find((o) => o.key === 'file/haproxy.cfg')?.previous).toMatch(/weight 50/);
      const after = state('lifecycle');
      expect(after.proxy?.proc).toEqual(master);
      expect(after.proxy?.reloads).toBe(1);
      const reply = await slow;
      console.log(`[sandbox] reload: in-flight request answered ${reply.status} after ${reply.ms.toFixed(0)} ms`);
      expect(reply.status).toBe(200);
      expect(JSON.parse(reply.body)).toMatchObject({ service: 'shop', path: '/slow' });
      // The new weights are live.
      const replies = await many(100, 4, () => get(`${endpoints.shop}/`));
      expect(count(replies, (x) => x.headers['x-meshloom-version'] === 'v1')).toBeGreaterThanOrEqual(75);
      expect(count(replies, (x) => x.headers['x-meshloom-version'] === 'v1')).toBeLessThanOrEqual(85);
    });

    it('rollback restores what an apply replaced (the previous haproxy.cfg, reloaded)', async () => {
      const r = await target.rollback(ref, reloaded!.objects);
      expect(r.ok).toBe(true);
      expect(r.objects.map((o) => `${o.key} ${o.status}`)).toEqual(['file/haproxy.cfg applied']);
      expect(readFileSync(join(root, 'lifecycle', 'haproxy.cfg'), 'utf8')).toMatch(/server shop-v1-0 \S+ weight 50/);
      const replies = await many(100, 4, () => get(`${endpoints.shop}/`));
      const v1 = count(replies, (x) => x.headers['x-meshloom-version'] === 'v1');
      expect(v1).toBeGreaterThanOrEqual(45);
      expect(v1).toBeLessThanOrEqual(55);
      // The live deployment is the 50/50 one again: applying it changes nothing.
      expect((await target.apply({ ...ref, pattern: v(50, 50) })).changed).toBe(false);
    });

    it('logs: each workload and the proxy access log', async () => {
      await get(`${endpoints.front}/call/shop/logged`);
      await sleep(100);
      const logs = await target.logs!(ref, { tail: 50 });
      expect(logs.map((s) => s.source)).toEqual(['front/v1/0', 'shop/v1/0', 'shop/v2/0', 'haproxy']);
      expect(logs[0]!.lines.join('\n')).toContain('front v1 (front-v1-0) listening on 127.0.0.1:');
      expect(logs.at(-1)!.lines.some((l) => l.includes('fe_shop') && l.includes('GET /logged'))).toBe(true);
    });

    it('a restarted target finds the running deployment, adopts it and restarts what died', async () => {
      const again = createSandboxTarget({ root });
      expect(again.deployments()).toContain('lifecycle');
      const s = await again.status(ref);
      expect(s).toMatchObject({ exists: true, healthy: true, endpoints });
      const pids = state('lifecycle');
      // Nothing to do for the new target: the processes are adopted, not restarted.
      const adopted = await again.apply({ ...ref, pattern: v(50, 50) });
      expect(adopted.changed).toBe(false);
      expect(state('lifecycle').workloads).toEqual(pids.workloads);
      // A workload dies: status says missing, drift says so too, the next apply restarts it.
      const victim = pids.workloads['process/shop/v2/0']!.proc!;
      process.kill(victim.pid, 'SIGKILL');
      for (let i = 0; i < 100 && isAlive(victim); i++) await sleep(10);
      const s2 = await again.status(ref);
      expect(s2.healthy).toBe(false);
      expect(s2.objects.find((o) => o.key === 'process/shop/v2/0')?.health).toBe('missing');
      const drift = await again.drift({ ...ref, pattern: v(50, 50) });
      expect(drift.objects.filter((o) => o.state !== 'in-sync').map((o) => `${o.key} ${o.state}`)).toEqual(['process/shop/v2/0 missing']);
      const healed = await again.apply({ ...ref, pattern: v(50, 50) });
      expect(healed.objects.filter((o) => o.action !== 'unchanged').map((o) => `${o.key} ${o.action} ${o.status}`)).toEqual(['process/shop/v2/0 create applied']);
      expect((await again.status(ref)).healthy).toBe(true);
      expect(state('lifecycle').workloads['process/shop/v2/0']!.spec.port).toBe(pids.workloads['process/shop/v2/0']!.spec.port);
    });

    it('undeploy leaves no process, no listening port and no file behind', async () => {
      const s = state('lifecycle');
      const pids = [s.proxy!.proc!, ...Object.values(s.workloads).map((w) => w.proc!)];
      const ports = Object.values(s.ports);
      expect(processesUnder(root).length).toBeGreaterThanOrEqual(5); // 3 workloads + master + worker
      const again = createSandboxTarget({ root });
      const r = await again.delete(ref);
      expect(r.ok).toBe(true);
      expect(r.objects.map((o) => o.status).every((x) => x === 'deleted')).toBe(true);
      expect(pids.filter((p) => isAlive(p))).toEqual([]);
      expect(processesUnder(root)).toEqual([]);
      expect((await Promise.all(ports.map(portAnswers))).some(Boolean)).toBe(false);
      expect(existsSync(join(root, 'lifecycle'))).toBe(false);
      expect(readdirSync(root)).toEqual([]);
      expect(await again.status(ref)).toMatchObject({ exists: false });
      // Deleting what is gone is a no-op.
      expect(await again.delete(ref)).toMatchObject({ ok: true, changed: false });
    });
  });
});
