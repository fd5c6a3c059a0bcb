// Running profiles: the entry service of a pattern, refusal of non-loopback targets before any
// traffic, and a real run against a pattern deployed on the local sandbox (HAProxy + sample
// workloads on 127.0.0.1) with the proxy's CPU and memory measured from /proc.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parsePattern } from '../../patterns/language/index';
import { findHaproxy } from '../targets/sandbox/haproxy';
import { createSandboxTarget } from '../targets/sandbox';
import { profileFromOptions } from './profile';
import { entryOf, runPerf } from './run';
import { importSmp, smpToJson, toSmpDocument } from './smp';

const pattern = (yaml: string) => {
  const r = parsePattern(`apiVersion: meshloom.dev/v1alpha1\nkind: Pattern\nmetadata: {name: perf-test, title: Perf test, category: performance}\nspec:\n${yaml}`);
  if (!r.pattern) throw new Error(JSON.stringify(r.diagnostics));
  return r.pattern;
};

describe('the entry service of a deployment', () => {
  const endpoints = { client: 'http://127.0.0.1:1', api: 'http://127.0.0.1:2', db: 'tcp://127.0.0.1:3' };

  it('is the service a pure client calls, else the first uncalled service; a gateway first; or the one asked for', () => {
    const p = pattern('  services:\n    - {name: client, calls: [api]}\n    - {name: api, calls: [db]}\n    - {name: db, protocol: tcp}\n');
    expect(entryOf(p, endpoints)).toEqual({ name: 'api', url: 'http://127.0.0.1:2' });
    const routed = pattern('  services:\n    - {name: client, versions: [v1], calls: [api]}\n    - {name: api}\n  routes:\n    - {service: client, rules: [{backends: [{version: v1}]}]}\n');
    expect(entryOf(routed, { client: 'http://127.0.0.1:1', api: 'http://127.0.0.1:2' })).toMatchObject({ name: 'client' });
    expect(entryOf(p, { ...endpoints, 'edge:80': 'http://127.0.0.1:4' })).toMatchObject({ name: 'edge:80' });
    expect(entryOf(p, endpoints, 'client')).toMatchObject({ name: 'client' });
    expect(() => entryOf(p, endpoints, 'db')).toThrow(expect.objectContaining({ code: 'ML8031' }));
  });
});

describe('runPerf', () => {
  it('refuses a target off loopback before sending anything (ML8004)', async () => {
    const profile = profileFromOptions({ url: 'http://192.0.2.10:8080/', duration: '1s' });
    await expect(runPerf({ profile, target: { kind: 'url' } })).rejects.toMatchObject({ code: 'ML8004' });
  });

  it('refuses generators that are not installed (ML8010) and mixes it cannot run (ML8003)', async () => {
    await expect(runPerf({ profile: profileFromOptions({ url: 'http://127.0.0.1:1/', generator: 'nighthawk', rps: 10, duration: '1s' }), target: { kind: 'url' } })).rejects.toMatchObject({ code: 'ML8010' });
    await expect(runPerf({ profile: profileFromOptions({ url: 'http://127.0.0.1:1/', generator: 'wrk', duration: '1s' }), workers: 2, target: { kind: 'url' } })).rejects.toMatchObject({ code: 'ML8003' });
    // Checked before anything is deployed: Debian's wrk has no constant-rate mode.
    const p = pattern('  services:\n    - {name: api}\n');
    await expect(runPerf({ profile: profileFromOptions({ generator: 'wrk', rps: 100, duration: '1s' }), target: { kind: 'sandbox', pattern: p, root: '/nonexistent/never-created' } })).rejects.toMatchObject({ code: 'ML8003' });
  });
});

describe.skipIf(!findHaproxy())('runPerf on the local sandbox', () => {
  const root = mkdtempSync(join(tmpdir(), 'meshloom-perf-sandbox-'));
  afterAll(async () => {
    const t = createSandboxTarget({ root });
    for (const d of t.deployments()) await t.delete({ deployment: d, mesh: 'haproxy' });
    rmSync(root, { recursive: true, force: true });
  });

  it('deploys the pattern, loads its entry service through HAProxy, measures the proxy and workloads, undeploys', async () => {
    const p = pattern('  services:\n    - {name: shop-client, calls: [shop]}\n    - {name: shop, versions: [{name: v1, replicas: 2}]}\n');
    const run = await runPerf({ profile: profileFromOptions({ name: 'shop at 200 rps', rps: 200, connections: 4, duration: '2s' }), target: { kind: 'sandbox', pattern: p, root } });
    const r = run.result;
    expect(r.requests).toBe(400);
    expect(r.statusCodes).toEqual({ '200': 400 });
    expect(r.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(r.labels).toMatchObject({ target: 'sandbox', pattern: 'perf-test' });
    // The proxy, measured from /proc while the load ran, and its own request counter.
    const mc = run.meshConfig!;
    expect(mc.proxy_build).toMatch(/^HAProxy \d+\.\d+/);
    expect(mc.sidecar!.count).toBe(1);
    expect(mc.sidecar!.mem_mb).toBeGreaterThan(0);
    expect(mc.sidecar!.cpu_mcores).toBeGreaterThanOrEqual(0);
    expect(mc.sidecar!.rps).toBeGreaterThan(150);
    expect(mc.proxy_concurrency).toBeGreaterThanOrEqual(1);
    expect(mc.mtls_enabled).toBe(false);
    const shop = run.environment!.individual_workloads!.find((w) => w.name === 'shop-v1')!;
    expect(shop.count).toBe(2);
    expect(shop.mem_mb).toBeGreaterThan(10);
    // The SMP document links the four messages and imports again.
    const doc = toSmpDocument(run);
    expect(doc.performance_test_result.mesh_config_id).toBe(mc.id);
    expect(importSmp(smpToJson(doc)).result).toEqual(r);
    // Undeployed afterwards.
    expect(createSandboxTarget({ root }).deployments()).toEqual([]);
  }, 120_000);
});
