import { spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parsePattern, type TPattern } from '@/patterns/language';
import { bookinfoServices, HEADER_RULE, pattern, reviewsRoute, SPLIT_RULE } from '../_testing/fixtures';
import { defaultPlan, haproxyAdapter, MESHLOOM_LUA, renderHaproxyConfig } from './index';

const cfgOf = (p: TPattern) => renderHaproxyConfig(p, defaultPlan(p)).cfg;
/** The lines of one section (`frontend x`, `backend y`). */
function section(cfg: string, header: string): string[] {
  const blocks = cfg.split('\n\n');
  const b = blocks.find((x) => x.split('\n')[0] === header);
  return b ? b.split('\n').slice(1).map((l) => l.trim()) : [];
}

const canary = pattern(bookinfoServices({ reviews: 9080 }) + reviewsRoute(HEADER_RULE, SPLIT_RULE));

describe('haproxy adapter', () => {
  it('renders one ConfigMap with haproxy.cfg and sandbox.json', () => {
    const { manifests } = haproxyAdapter.render(canary);
    expect(manifests).toHaveLength(1);
    const [cm] = manifests;
    expect(cm).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'meshloom-haproxy-t' } });
    const data = (cm as unknown as { data: Record<string, string> }).data;
    expect(Object.keys(data).sort()).toEqual(['haproxy.cfg', 'sandbox.json']);
    const sandbox = JSON.parse(data['sandbox.json'] ?? '{}');
    expect(sandbox.plan.listeners).toEqual({ productpage: 20000, reviews: 20001 });
    expect(sandbox.plan.workloads['reviews/v2']).toEqual([{ host: '127.0.0.1', port: 21002 }]);
  });

  it('binds to loopback only', () => {
    const binds = cfgOf(canary)
      .split('\n')
      .filter((l) => l.trim().startsWith('bind '));
    expect(binds.length).toBeGreaterThan(0);
    for (const b of binds) expect(b.trim()).toMatch(/^bind 127\.0\.0\.1:\d+/);
  });

  it('splits 90/10 with server weights and routes the opt-in header to v2', () => {
    const cfg = cfgOf(canary);
    expect(section(cfg, 'backend be_reviews_reviews_1')).toEqual(['server reviews-v1-0 127.0.0.1:21001 weight 90', 'server reviews-v2-0 127.0.0.1:21002 weight 10']);
    const fe = section(cfg, 'frontend fe_reviews');
    expect(fe).toContain("http-request set-var(txn.meshloom_rule) int(1) if { req.hdr(x-canary) -m str 'always' } !{ var(txn.meshloom_rule) -m found }");
    expect(fe).toContain('use_backend be_reviews_reviews_0 if { var(txn.meshloom_rule) -m int 1 }');
  });

  it('maps retries, per-try timeout and circuit breaking onto the backend', () => {
    const cfg = cfgOf(
      pattern(`
  services: [{name: ratings}]
  policies:
    - {kind: Retry, target: ratings, attempts: 3, perTryTimeout: 500ms, on: [5xx, connect-failure]}
    - {kind: CircuitBreaker, target: ratings, consecutiveErrors: 4, ejectionTime: 1m}
    - {kind: RateLimit, target: ratings, requests: 10, interval: 1s}
`),
    );
    const be = section(cfg, 'backend be_ratings');
    expect(be).toEqual(
      expect.arrayContaining(['timeout server 500ms', 'retries 3', 'retry-on 500 502 503 504 conn-failure response-timeout']),
    );
    // Back after the ejection time: a check a tenth of it after the ejection, then ten passing ones that far apart.
    expect(be.find((l) => l.startsWith('server '))).toContain('observe layer7 error-limit 4 on-error mark-down check inter 1m fastinter 6s downinter 6s rise 10 fall 1');
    const fe = section(cfg, 'frontend fe_ratings');
    expect(fe).toContain('http-request track-sc0 int(1) table st_fe_ratings_rl');
    expect(fe).toContain('http-request deny deny_status 429 if { sc_http_req_rate(0) gt 10 }');
  });

  it('caps waiting requests in the backend queue and divides concurrent ones among the servers', () => {
    const cfg = cfgOf(
      pattern(`
  services: [{name: reviews, versions: [{name: v1, replicas: 2}]}]
  policies:
    - {kind: ConnectionLimits, target: reviews, maxConnections: 20, maxPendingRequests: 5}
`),
    );
    const be = section(cfg, 'backend be_reviews');
    expect(be).toContain("http-request return status 503 content-type text/plain string 'overflow: too many pending requests' if { queue ge 5 }");
    expect(be.filter((l) => l.startsWith('server '))).toEqual(['server reviews-v1-0 127.0.0.1:21000 weight 100 maxconn 10', 'server reviews-v1-1 127.0.0.1:21001 weight 100 maxconn 10']);
  });

  it('weighs an mTLS inbound listener by the instances it stands for', () => {
    const cfg = cfgOf(
      pattern(`
  services:
    - {name: web, calls: [api]}
    - {name: api, versions: [{name: v1, replicas: 3}, v2]}
  policies:
    - {kind: MutualTLS}
`),
    );
    const servers = section(cfg, 'backend be_api').filter((l) => l.startsWith('server '));
    expect(servers.map((l) => l.split(' ').slice(0, 5).join(' '))).toEqual(['server api-v1 127.0.0.1:23001 weight 75', 'server api-v2 127.0.0.1:23002 weight 25']);
  });

  it('keeps a split to another region active under locality failover; other-region endpoints of a local backend are backups', () => {
    const cfg = cfgOf(
      pattern(`
  services:
    - {name: web, calls: [api]}
    - name: api
      versions: [{name: near, replicas: 2, locality: eu/a}, {name: far, locality: us/b}]
  routes:
    - service: api
      rules:
        - backends: [{service: api, weight: 90}, {version: far, weight: 10}]
  policies:
    - {kind: LocalityFailover, target: api, failover: [{from: eu, to: us}]}
`),
    );
    const servers = section(cfg, 'backend be_api_api_0').filter((l) => l.startsWith('server '));
    expect(servers).toEqual([
      // Active: near 90 + 90, far 20 → 45%, 45%, 10%; the backup far endpoint weighs apart.
      'server api-near-0 127.0.0.1:21001 weight 90',
      'server api-near-1 127.0.0.1:21002 weight 90',
      'server api-far-0 127.0.0.1:21003 weight 90 backup',
      'server api-far-0_2 127.0.0.1:21003 weight 20',
    ]);
  });

  it('allow with no rules denies everything; rules allow only their callers and requests', () => {
    const cfg = cfgOf(
      pattern(`
  services: [{name: orders, calls: [payments]}, {name: payments}, {name: audit}]
  policies:
    - {kind: Authorization, target: audit}
    - kind: Authorization
      target: payments
      rules: [{from: {services: [orders]}, to: {methods: [POST], paths: [/charges]}}]
`),
    );
    expect(section(cfg, 'frontend fe_audit')).toContain('http-request deny deny_status 403 if TRUE');
    expect(section(cfg, 'frontend fe_payments')).toContain("http-request deny deny_status 403 unless { req.hdr(x-meshloom-source) -m str orders } { path_reg '^(/charges$)' } { method POST }");
  });

  it('decides port rules by the service ports (the sandbox binds other port numbers) and guards gateways too', () => {
    const cfg = cfgOf(
      pattern(`
  services: [{name: web, ports: [8080], calls: [api]}, {name: api, ports: [8080]}, {name: db, ports: [5432]}]
  gateways: [{name: edge, listeners: [{port: 80}]}]
  routes: [{service: web, gateway: edge, rules: [{backends: [{service: web}]}]}]
  policies:
    - {kind: Authorization}
    - {kind: Authorization, target: api, rules: [{from: {services: [web]}, to: {ports: [8080]}}]}
    - {kind: Authorization, target: db, rules: [{from: {services: [api]}, to: {ports: [9187]}}]}
    - {kind: Authorization, target: edge, rules: [{to: {methods: [GET, POST]}}]}
`),
    );
    expect(cfg).not.toContain('dst_port');
    expect(section(cfg, 'frontend fe_api')).toContain('http-request deny deny_status 403 unless { req.hdr(x-meshloom-source) -m str web }');
    expect(section(cfg, 'frontend fe_db')).toContain('http-request deny deny_status 403 unless { req.hdr(x-meshloom-source) -m str api } FALSE');
    const gw = section(cfg, 'frontend fe_gw_edge_80');
    const deny = gw.indexOf('http-request deny deny_status 403 unless { method GET POST }');
    expect(deny).toBeGreaterThan(0);
    expect(deny).toBeLessThan(gw.indexOf('http-request set-header x-meshloom-source edge'));
  });

  it('takes HTTP/1.1 and h2c on gRPC listeners (no proto h2 on the bind)', () => {
    const cfg = cfgOf(pattern(`
  services: [{name: greeter, protocol: grpc, ports: [50051]}]
`));
    expect(section(cfg, 'frontend fe_greeter')[0]).toBe('bind 127.0.0.1:20000');
    expect(cfg).not.toContain('proto h2');
  });

  it('injects faults with rand() and a Lua delay', () => {
    const r = renderHaproxyConfig(
      pattern(`
  services: [{name: ratings}]
  policies:
    - {kind: FaultInjection, target: ratings, abort: {httpStatus: 503, percentage: 5}, delay: {fixedDelay: 2s, percentage: 10}}
`),
      { ...defaultPlan(canary), listeners: { ratings: 20000 }, workloads: { 'ratings/v1': [{ host: '127.0.0.1', port: 21000 }] }, luaDir: '/x' },
    );
    expect(r.usesLua).toBe(true);
    expect(r.cfg).toContain('lua-load /x/meshloom.lua');
    const fe = section(r.cfg, 'frontend fe_ratings');
    expect(fe).toContain('http-request lua.meshloom_delay 2000 if { rand(100) lt 10 }');
    expect(fe).toContain("http-request return status 503 content-type text/plain string 'fault filter abort' if { rand(100) lt 5 }");
  });

  it('puts mutual TLS on inbound listeners and gives callers their certificate', () => {
    const r = renderHaproxyConfig(
      pattern(`
  services: [{name: orders, calls: [payments]}, {name: payments}]
  policies: [{kind: MutualTLS}]
`),
      { ...defaultPlan(canary), listeners: { orders: 1, payments: 2 }, workloads: { 'orders/v1': [{ host: '127.0.0.1', port: 3 }], 'payments/v1': [{ host: '127.0.0.1', port: 4 }] }, inbound: { 'orders/v1': 5, 'payments/v1': 6 }, certDir: '/c' },
    );
    expect(section(r.cfg, 'frontend in_payments_v1')[0]).toBe('bind 127.0.0.1:6 ssl crt /c/payments.pem ca-file /c/ca.pem verify required');
    expect(section(r.cfg, 'backend be_payments.from.orders')).toEqual(['server payments-v1 127.0.0.1:6 weight 100 ssl ca-file /c/ca.pem verify required verifyhost payments crt /c/orders.pem']);
    // Callers without a certificate are refused by the inbound listener, at once (no retries).
    expect(section(r.cfg, 'backend be_payments')).toEqual(['retries 0', 'server payments-v1 127.0.0.1:6 weight 100 ssl ca-file /c/ca.pem verify required verifyhost payments']);
    expect(r.certificates).toEqual(['ca.pem', 'orders.pem', 'payments.pem']);
  });

  it('declares mirroring unsupported and renders nothing for it', () => {
    const p = pattern(`
  services: [{name: a, versions: [v1, v2]}]
  routes:
    - service: a
      rules: [{backends: [{version: v1}], mirror: {version: v2}}]
`);
    expect(haproxyAdapter.capabilities.mirroring.level).toBe('none');
    const r = renderHaproxyConfig(p, defaultPlan(p));
    expect(r.cfg).not.toMatch(/mirror/i);
    expect(r.diagnostics.some((d) => d.code === 'ML4006')).toBe(true);
  });

  it('is deterministic', () => {
    expect(haproxyAdapter.render(canary)).toEqual(haproxyAdapter.render(canary));
  });
});

// `haproxy -c` over real catalog patterns, when haproxy is installed.
const haproxy = spawnSync('haproxy', ['-v'], { encoding: 'utf8' });
const hasHaproxy = haproxy.status === 0;
const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
if (!hasHaproxy || !hasOpenssl) console.log(`skipping haproxy -c checks: ${!hasHaproxy ? 'haproxy' : 'openssl'} is not installed`);

describe.skipIf(!hasHaproxy || !hasOpenssl)('haproxy -c on catalog patterns', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshloom-haproxy-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const ossl = (...a: string[]) => execFileSync('openssl', a, { stdio: 'pipe' });
  const ca = join(dir, 'ca.pem');
  const caKey = join(dir, 'ca.key');
  const ensureCa = () => {
    if (spawnSync('test', ['-f', ca]).status !== 0) ossl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', caKey, '-out', ca, '-days', '1', '-subj', '/CN=meshloom-test-ca');
  };
  const cert = (name: string) => {
    const base = join(dir, name);
    ossl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', `/CN=${name}`);
    ossl('x509', '-req', '-in', `${base}.csr`, '-CA', ca, '-CAkey', caKey, '-CAcreateserial', '-out', `${base}.crt`, '-days', '1');
    writeFileSync(`${base}.pem`, readFileSync(`${base}.crt`, 'utf8') + readFileSync(`${base}.key`, 'utf8'));
  };

  for (const name of ['canary-deployment', 'zero-trust-mtls', 'fault-injection', 'ingress-gateway', 'circuit-breaker', 'local-rate-limit', 'session-affinity', 'tls-passthrough', 'deny-by-default', 'node-agent-l4', 'proxyless-grpc']) {
    it(`${name} is a valid HAProxy 2.6 configuration`, () => {
      ensureCa();
      const parsed = parsePattern(readFileSync(join('patterns', 'catalog', `${name}.yaml`), 'utf8'));
      if (!parsed.pattern) throw new Error(`${name} does not parse`);
      const r = renderHaproxyConfig(parsed.pattern, { ...defaultPlan(parsed.pattern), certDir: dir, luaDir: dir });
      for (const c of r.certificates) if (c !== 'ca.pem' && spawnSync('test', ['-f', join(dir, c)]).status !== 0) cert(c.replace(/\.pem$/, ''));
      writeFileSync(join(dir, 'meshloom.lua'), MESHLOOM_LUA);
      const file = join(dir, `${name}.cfg`);
      writeFileSync(file, r.cfg);
      const out = spawnSync('haproxy', ['-c', '-f', file], { encoding: 'utf8' });
      expect(`${out.stdout}${out.stderr}`).toContain('Configuration file is valid');
      expect(out.status).toBe(0);
    });
  }
});
