// Meshloom's sample workload: one process per service version, in the spirit of the
// learn-layer5 sample app. Plain Node (no dependencies), so it runs the same in the local
// sandbox and in a node:20-alpine container on Kubernetes.
//
// Environment: SERVICE, VERSION, PORT (default 8080), HOST (default 0.0.0.0), INSTANCE,
// LATENCY_MS, ERROR_RATE (0..1), UPSTREAMS (JSON {"service": "http://host:port"}),
// SOURCE_HEADER (default x-meshloom-source), UPSTREAMS_ONLY=1 (call only the services listed in
// UPSTREAMS: the local sandbox never lets a workload resolve or reach any other address).
// Per request: header x-meshloom-latency (ms) and x-meshloom-error-rate override the defaults.
//
// Endpoints: /health → 200; /_meshloom/counts → requests seen per source service;
// POST /_meshloom/counts/reset; /call/<service>[/<path>] → calls <service> through the mesh and
// returns its answer; anything else → JSON with service, version, instance, method, path, headers.
import http from 'node:http';
import os from 'node:os';

const service = process.env.SERVICE ?? 'app';
const version = process.env.VERSION ?? 'v1';
const instance = process.env.INSTANCE ?? `${os.hostname()}-${process.pid}`;
const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? '0.0.0.0';
const defaultLatency = Number(process.env.LATENCY_MS ?? 0);
const defaultErrorRate = Number(process.env.ERROR_RATE ?? 0);
const sourceHeader = (process.env.SOURCE_HEADER ?? 'x-meshloom-source').toLowerCase();
const upstreams = JSON.parse(process.env.UPSTREAMS ?? '{}');
const upstreamsOnly = process.env.UPSTREAMS_ONLY === '1';
const counts = new Map();
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function send(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'x-meshloom-service': service, 'x-meshloom-version': version, ...headers });
  res.end(text);
}

function numberFrom(value, fallback) {
  const n = Number(value);
  return value !== undefined && Number.isFinite(n) ? n : fallback;
}

function callUpstream(target, pathname, search, req, res) {
  if (upstreamsOnly && !Object.hasOwn(upstreams, target)) {
    req.resume();
    return send(res, 502, { service, version, instance, called: target, error: `no upstream ${target}: only ${Object.keys(upstreams).join(', ') || 'none'}` });
  }
  const base = upstreams[target] ?? `http://${target}`;
  // Path and query go onto the upstream's URL: a path like //elsewhere/x must not change the host.
  const url = new URL(base);
  url.pathname = pathname || '/';
  url.search = search;
  const headers = { [sourceHeader]: service, 'x-request-id': req.headers['x-request-id'] ?? '' };
  for (const h of ['x-meshloom-latency', 'x-meshloom-error-rate', 'traceparent', 'b3', 'x-b3-traceid', 'x-b3-spanid']) if (req.headers[h]) headers[h] = req.headers[h];
  const started = Date.now();
  // A pooled keep-alive connection the proxy closed meanwhile (it does so on a reload) fails at
  // once: an idempotent request is then sent again on a new connection, as browsers do.
  const idempotent = ['GET', 'HEAD', 'OPTIONS'].includes(req.method ?? 'GET');
  const attempt = (retry) => {
    const out = http.request(url, { method: req.method, headers, agent, timeout: 30_000 }, (up) => {
      const chunks = [];
      up.on('data', (c) => chunks.push(c));
      up.on('end', () => {
        let body;
        const text = Buffer.concat(chunks).toString('utf8');
        try { body = JSON.parse(text); } catch { body = text; }
        send(res, up.statusCode ?? 502, { service, version, instance, called: target, status: up.statusCode, durationMs: Date.now() - started, upstream: body });
      });
    });
    out.on('timeout', () => out.destroy(new Error('upstream timeout')));
    out.on('error', (e) => {
      if (retry && out.reusedSocket && e.code === 'ECONNRESET') return attempt(false);
      send(res, 502, { service, version, instance, called: target, error: e.message });
    });
    if (idempotent) {
      req.resume();
      out.end();
    } else req.pipe(out);
  };
  attempt(idempotent);
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/health') return send(res, 200, { status: 'ok', service, version, instance });
  if (url.pathname === '/_meshloom/counts') {
    if (req.method === 'POST' || url.searchParams.has('reset')) counts.clear();
    return send(res, 200, { service, version, instance, counts: Object.fromEntries(counts) });
  }
  if (url.pathname === '/_meshloom/counts/reset') {
    counts.clear();
    return send(res, 200, { service, version, instance, counts: {} });
  }
  const source = String(req.headers[sourceHeader] ?? 'unknown');
  counts.set(source, (counts.get(source) ?? 0) + 1);
  const latency = numberFrom(req.headers['x-meshloom-latency'] ?? url.searchParams.get('latency') ?? undefined, defaultLatency);
  const errorRate = numberFrom(req.headers['x-meshloom-error-rate'] ?? url.searchParams.get('errorRate') ?? undefined, defaultErrorRate);
  const answer = () => {
    const call = url.pathname.match(/^\/call\/([a-z0-9-]+)(\/.*)?$/);
    if (call) return callUpstream(call[1], call[2] ?? '/', url.search, req, res);
    req.resume();
    if (errorRate > 0 && Math.random() < errorRate) return send(res, 500, { service, version, instance, error: 'injected by the sample workload' });
    send(res, 200, { service, version, instance, method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams), source, headers: req.headers });
  };
  if (latency > 0) setTimeout(answer, latency);
  else answer();
});
server.keepAliveTimeout = 65_000;
server.listen(port, host, () => {
  if (process.send) process.send({ ready: true, port });
  else console.log(`${service} ${version} (${instance}) listening on ${host}:${port}`);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.close(() => process.exit(0)));
