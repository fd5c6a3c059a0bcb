// SMP documents: a real run exported and imported again (JSON and YAML) without loss, field names
// exactly those of SMP's protos, no placeholder values; invalid or inconsistent documents and
// profiles refused whole with coded errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PerfError } from './errors';
import { checkLoopbackUrl, parseProfile, profileFromOptions } from './profile';
import { runPerf } from './run';
import { importSmp, smpToJson, smpToYaml, toSmpDocument, type TPerfRun } from './smp';
import { startTarget, type TTargetServer } from './testing/target';

/** Field names of protos/service_mesh_performance.proto (+ metadata.proto) per message, snake_case as in the proto. */
const PROTO = {
  PerformanceTestConfig: ['smp_version', 'id', 'name', 'labels', 'clients', 'duration'],
  Client: ['internal', 'load_generator', 'protocol', 'connections', 'rps', 'headers', 'cookies', 'body', 'content_type', 'endpoint_urls', 'ssl_certificate', 'additional_options'],
  PerformanceTestResult: ['smp_version', 'id', 'labels', 'start_time', 'end_time', 'latencies_ms', 'actual_qps', 'details_uri', 'test_id', 'mesh_config_id', 'env_id'],
  Latency: ['min', 'average', 'p50', 'p90', 'p99', 'max'],
  EnvironmentConfig: ['smp_version', 'id', 'labels', 'kubernetes_version', 'nodes', 'individual_workloads', 'traffic_metadata'],
  Node: ['type', 'cores', 'mem_mb'],
  TrafficMetadata: ['load_balance_name', 'load_balance_ip', 'host_endpoint', 'prometheus_url', 'http_headers', 'user_agent', 'ping_health_endpoint'],
};
const keysWithin = (o: object, allowed: string[]) => expect(Object.keys(o).filter((k) => !allowed.includes(k))).toEqual([]);

/** Paths of values that look like placeholders: empty strings, nulls, NaN, zero-filled ids, "TODO"/"xx". */
function placeholders(v: unknown, path = ''): string[] {
  if (v === null || v === undefined) return [path];
  if (typeof v === 'number') return Number.isFinite(v) ? [] : [path];
  if (typeof v === 'string') return v === '' || /^(todo|tbd|xx+|n\/a|unknown|placeholder)$/i.test(v) || /^0{8}-0{4}/.test(v) ? [path] : [];
  if (Array.isArray(v)) return v.flatMap((x, i) => placeholders(x, `${path}[${i}]`));
  if (typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => placeholders(x, path ? `${path}.${k}` : k));
  return [];
}

let server: TTargetServer;
let run: TPerfRun;
beforeAll(async () => {
  server = await startTarget();
  const profile = profileFromOptions({ name: 'smp round trip', url: `${server.url}/cycle`, rps: 200, connections: 2, duration: '1s', headers: { 'X-Test': 'yes' }, cookies: { session: 'abc' } });
  run = await runPerf({ profile, target: { kind: 'url' } });
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

describe('SMP export', () => {
  it('writes the proto field names only, and no placeholder values', () => {
    const doc = toSmpDocument(run);
    keysWithin(doc.performance_test_config!, PROTO.PerformanceTestConfig);
    for (const c of doc.performance_test_config!.clients!) keysWithin(c, PROTO.Client);
    keysWithin(doc.performance_test_result, PROTO.PerformanceTestResult);
    keysWithin(doc.performance_test_result.latencies_ms!, PROTO.Latency);
    expect(Object.keys(doc.performance_test_result.latencies_ms!).sort()).toEqual([...PROTO.Latency].sort());
    keysWithin(doc.environment_config!, PROTO.EnvironmentConfig);
    for (const node of doc.environment_config!.nodes!) keysWithin(node, PROTO.Node);
    keysWithin(doc.environment_config!.traffic_metadata!, PROTO.TrafficMetadata);
    expect(placeholders(doc)).toEqual([]);
    // Real values: the ids link the messages, the numbers are the run's.
    expect(doc.performance_test_result.test_id).toBe(doc.performance_test_config!.id);
    expect(doc.performance_test_result.env_id).toBe(doc.environment_config!.id);
    expect(doc.performance_test_result.actual_qps).toBe(run.result.actualRps);
    expect(run.result.requests).toBe(200);
    expect(doc.meshloom!.status_codes).toEqual({ '200': 100, '404': 50, '503': 50 });
    expect(doc.performance_test_config!.clients![0]).toMatchObject({ rps: 200, connections: 2, headers: { 'X-Test': 'yes' }, cookies: { session: 'abc' }, protocol: 'PROTOCOL_HTTP', load_generator: 'builtin' });
  });

  it('imports its own JSON and YAML back without loss', () => {
    const doc = toSmpDocument(run);
    for (const text of [smpToJson(doc), smpToYaml(doc)]) {
      const back = importSmp(text);
      expect(back.document).toEqual(doc);
      expect(back.result).toEqual(run.result);
      expect(smpToJson(back.document)).toBe(smpToJson(doc));
    }
  });
});

describe('SMP import refuses a bad document whole', () => {
  const good = () => JSON.parse(smpToJson(toSmpDocument(run))) as Record<string, Record<string, unknown>>;
  const refusal = (doc: unknown): PerfError => {
    try {
      importSmp(typeof doc === 'string' ? doc : JSON.stringify(doc));
    } catch (e) {
      expect(e).toBeInstanceOf(PerfError);
      return e as PerfError;
    }
    throw new Error('imported');
  };

  it('unknown fields, wrong types and bad timestamps: ML8020 with every issue and its path', () => {
    const d = good();
    d.performance_test_result!.actualQPS = 5; // the old camel-case name is not a field
    d.performance_test_result!.start_time = 'yesterday';
    (d.performance_test_result!.latencies_ms as Record<string, unknown>).p50 = 'fast';
    (d.meshloom!.status_codes as Record<string, unknown>)['2xx'] = 1;
    const e = refusal(d);
    expect(e.code).toBe('ML8020');
    expect(e.issues.map((i) => i.path).sort()).toEqual(['meshloom.status_codes.2xx', 'performance_test_result', 'performance_test_result.latencies_ms.p50', 'performance_test_result.start_time']);
    expect(e.issues.find((i) => i.path === 'performance_test_result')!.message).toBe("unknown field 'actualQPS'");
  });

  it('ids that do not link, numbers the histogram contradicts, a broken histogram: ML8021', () => {
    const d = good();
    d.performance_test_result!.test_id = 'some-other-test';
    (d.performance_test_result!.latencies_ms as Record<string, number>).p99 = 123456;
    const e = refusal(d);
    expect(e.code).toBe('ML8021');
    expect(e.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['performance_test_result.test_id', 'performance_test_result.latencies_ms.p99']));
    const h = good();
    h.meshloom!.histogram = 'HISTFAAAnotahistogram';
    expect(refusal(h).issues.map((i) => i.path)).toContain('meshloom.histogram');
    const c = good();
    (c.meshloom!.status_codes as Record<string, number>)['200'] = 1;
    expect(refusal(c).issues.map((i) => i.path)).toContain('meshloom.status_codes');
  });

  it('text that is not YAML or JSON: ML8001', () => {
    expect(refusal('{ "performance_test_result": [').code).toBe('ML8001');
    expect(refusal('just words').code).toBe('ML8020');
  });
});

describe('profiles', () => {
  it('reads an SMP PerformanceTestConfig in YAML', () => {
    const p = parseProfile(`
smp_version: v0.6.1
id: 7d4e
name: reviews at 500 rps
labels: {team: mesh}
duration: 1m30s
clients:
  - load_generator: builtin
    protocol: PROTOCOL_HTTP
    connections: 16
    rps: "500"
    headers: {x-run: a}
    cookies: {session: s1}
    body: '{"q":1}'
    content_type: application/json
    endpoint_urls: [/api/reviews, http://127.0.0.1:9080/health]
    additional_options: '{"method":"PUT","timeout":"2s"}'
`);
    expect(p).toMatchObject({ name: 'reviews at 500 rps', duration: '1m30s', clients: [{ rps: 500, connections: 16, protocol: 'http', load_generator: 'builtin' }] });
  });

  it('refuses a bad profile with every issue (ML8002)', () => {
    let err: PerfError | undefined;
    try {
      parseProfile(`
name: bad
duration: soon
clients:
  - load_generator: jmeter
    rps: -1
    connections: many
    qps: 5
    protocol: grpc
  - additional_options: '{"method":"FETCH"}'
    endpoint_urls: [example.com/x]
`);
    } catch (e) {
      err = e as PerfError;
    }
    expect(err?.code).toBe('ML8002');
    expect(err!.issues.map((i) => i.path).sort()).toEqual(['clients[0]', 'clients[0].connections', 'clients[0].load_generator', 'clients[0].rps', 'duration']);
    // Schema-valid but unusable clients are checked too (in a second pass).
    try {
      parseProfile('name: x\nclients: [{protocol: grpc}, {additional_options: \'{"method":"FETCH"}\', endpoint_urls: [example.com/x]}]');
    } catch (e) {
      expect((e as PerfError).issues.map((i) => i.path).sort()).toEqual(['clients[0].protocol', 'clients[1].additional_options.method', 'clients[1].endpoint_urls[0]']);
    }
  });

  it('accepts loopback URLs only', () => {
    expect(checkLoopbackUrl('http://127.0.0.2:8080/x').hostname).toBe('127.0.0.2');
    expect(checkLoopbackUrl('http://localhost:1/').hostname).toBe('localhost');
    expect(checkLoopbackUrl('http://[::1]:1/').hostname).toBe('[::1]');
    for (const [url, code] of [
      ['http://10.0.0.1/', 'ML8004'],
      ['http://example.com/', 'ML8004'],
      ['http://127.0.0.1.example.com/', 'ML8004'],
      ['https://127.0.0.1/', 'ML8003'],
      ['ftp://127.0.0.1/', 'ML8005'],
      ['not a url', 'ML8005'],
    ] as const) {
      expect(() => checkLoopbackUrl(url), url).toThrow(expect.objectContaining({ code }));
    }
  });
});
