/**
 * The sandbox's probe: how conformance steps observe a running sandbox deployment.
 *
 * - `call(from, to)` with `from` a service asks that service's sample workload (instance 0 of
 *   its first version, straight on its loopback port) to call `to` through the mesh:
 *   `GET http://127.0.0.1:<workload port>/call/<to><path>`. The workload sends
 *   `x-meshloom-source: <from>` to the proxy listener of `to` and wraps the answer; the probe
 *   unwraps it, so `status`, `service`/`version`/`instance` and `body` are what the mesh gave the
 *   caller. When the caller could not reach the mesh at all (the proxy is down) the status is
 *   the caller's 502 and `body` is `{ error }` with the socket error (ECONNREFUSED…). The sample
 *   workload passes on only its own headers (x-meshloom-latency, x-meshloom-error-rate and trace
 *   headers), and `headers` are those of the caller's reply.
 * - `call(null, to)` sends the request from outside straight to `to`'s proxy listener.
 * - Network failures never throw: they come back as status 0 with `body: { error }`.
 * - `counts(service)` sums `/_meshloom/counts` over every instance of every version; the
 *   probe's own `/call/…` requests count there as source `unknown`.
 *
 * Ports come from the deployment's record (`TSandboxTarget.processes`), read once per probe:
 * a probe belongs to one apply (the context makes a new one after each).
 */
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { readFileSync } from 'node:fs';
import type { TSandboxProcesses, TSandboxTarget } from '@/server/targets/sandbox';
import type { TCallResult, TProbe } from './types';

const LOOPBACK = '127.0.0.1';
const CALL_TIMEOUT_MS = 15_000;

/** One keep-alive pool for the probes of this process (workload ports stay the same across applies). */
const agent = new Agent({ keepAlive: true, maxSockets: 64, keepAliveMsecs: 1000 });

interface TRawReply {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  ms: number;
  error?: string;
}

function flatHeaders(h: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** One HTTP request on loopback; never rejects (status 0 and `error` when nothing answered). */
function send(url: URL, o: { method: string; headers: Record<string, string>; keepAlive: boolean; signal?: AbortSignal | undefined }, retry = true): Promise<TRawReply> {
  const t0 = performance.now();
  // Cancellation is checked before each request (an in-flight one ends by itself within the
  // timeout; the engine does not wait for it): hundreds of requests would otherwise each hang a
  // listener on the run's signal.
  if (o.signal?.aborted) return Promise.resolve({ status: 0, headers: {}, body: { error: 'cancelled' }, ms: 0, error: 'cancelled' });
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: TRawReply) => {
      if (done) return;
      done = true;
      resolve(r);
    };
    const req = request(url, { method: o.method, headers: o.headers, agent: o.keepAlive ? agent : false, timeout: CALL_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => finish({ status: res.statusCode ?? 0, headers: flatHeaders(res.headers), body: parseBody(Buffer.concat(chunks).toString('utf8')), ms: performance.now() - t0 }));
      res.on('error', (e) => finish({ status: 0, headers: {}, body: { error: e.message }, ms: performance.now() - t0, error: e.message }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${CALL_TIMEOUT_MS} ms`)));
    req.on('error', (e: NodeJS.ErrnoException) => {
      // A pooled connection the other side closed meanwhile: send once more on a new one, as browsers do.
      if (retry && req.reusedSocket && (e.code === 'ECONNRESET' || e.code === 'EPIPE')) {
        done = true;
        void send(url, o, false).then(resolve);
        return;
      }
      finish({ status: 0, headers: {}, body: { error: e.message }, ms: performance.now() - t0, error: e.message });
    });
    req.end();
  });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** The answering workload of a sample-app reply (a JSON body with service, version, instance). */
function answerer(body: unknown): Pick<TCallResult, 'service' | 'version' | 'instance'> {
  if (!isRecord(body)) return {};
  const out: Pick<TCallResult, 'service' | 'version' | 'instance'> = {};
  const service = str(body.service);
  const version = str(body.version);
  const instance = str(body.instance);
  if (service) out.service = service;
  if (version) out.version = version;
  if (instance) out.instance = instance;
  return out;
}

export interface TSandboxProbeOptions {
  target: TSandboxTarget;
  deployment: string;
  /** The apply's endpoints (entry URL per service). */
  endpoints: Record<string, string>;
  signal?: AbortSignal;
}

export function createSandboxProbe(o: TSandboxProbeOptions): TProbe {
  const processes = (): TSandboxProcesses => {
    const p = o.target.processes(o.deployment);
    if (!p) throw new Error(`sandbox deployment ${o.deployment} has no recorded processes (it is not deployed)`);
    return p;
  };
  const recorded = processes();
  const instancesOf = (service: string) =>
    recorded.workloads.filter((w) => w.service === service).sort((a, b) => (a.version === b.version ? a.instance - b.instance : a.version < b.version ? -1 : 1));

  return {
    endpoints: { ...o.endpoints },

    async call(from, to, req = {}) {
      const method = (req.method ?? 'GET').toUpperCase();
      const path = req.path === undefined || req.path === '' ? '/' : req.path.startsWith('/') ? req.path : `/${req.path}`;
      const headers = { ...(req.headers ?? {}) };
      if (from === null) {
        const entry = o.endpoints[to];
        if (!entry) throw new Error(`the deployment has no entry listener for ${to} (services: ${Object.keys(o.endpoints).join(', ') || 'none'})`);
        const r = await send(new URL(path, entry), { method, headers, keepAlive: false, signal: o.signal });
        return { status: r.status, ...answerer(r.body), ms: r.ms, headers: r.headers, body: r.body };
      }
      const caller = instancesOf(from)[0];
      if (!caller) throw new Error(`the deployment has no workload for ${from} (workloads: ${[...new Set(recorded.workloads.map((w) => w.service))].join(', ') || 'none'})`);
      const r = await send(new URL(`/call/${to}${path}`, `http://${LOOPBACK}:${caller.port}`), { method, headers, keepAlive: true, signal: o.signal });
      // The caller's envelope: {service, …, called, status, upstream} when the mesh answered, {…, error} when it could not be reached.
      const envelope = isRecord(r.body) ? r.body : undefined;
      if (r.status === 0 || !envelope || !('called' in envelope)) {
        const error = r.error ?? `${from}'s workload answered ${r.status} without a call result`;
        return { status: r.status, ms: r.ms, headers: r.headers, body: { error, reply: r.body } };
      }
      if (!('upstream' in envelope)) return { status: r.status, ms: r.ms, headers: r.headers, body: { error: str(envelope.error) ?? 'no answer from the mesh' } };
      return { status: r.status, ...answerer(envelope.upstream), ms: r.ms, headers: r.headers, body: envelope.upstream };
    },

    async counts(service) {
      const total: Record<string, number> = {};
      const byVersion: Record<string, Record<string, number>> = {};
      const list = instancesOf(service);
      if (list.length === 0) throw new Error(`the deployment has no workload for ${service}`);
      await Promise.all(
        list.map(async (w) => {
          const r = await send(new URL('/_meshloom/counts', `http://${LOOPBACK}:${w.port}`), { method: 'GET', headers: {}, keepAlive: true, signal: o.signal });
          const counts = isRecord(r.body) && isRecord(r.body.counts) ? r.body.counts : undefined;
          if (r.status !== 200 || !counts) throw new Error(`${service} ${w.version} instance ${w.instance} (127.0.0.1:${w.port}) did not report its counts: ${r.error ?? `status ${r.status}`}`);
          const v = (byVersion[w.version] ??= {});
          for (const [source, n] of Object.entries(counts)) {
            if (typeof n !== 'number') continue;
            total[source] = (total[source] ?? 0) + n;
            v[source] = (v[source] ?? 0) + n;
          }
        }),
      );
      return { total, byVersion };
    },

    async resetCounts() {
      await Promise.all(
        recorded.workloads.map(async (w) => {
          const r = await send(new URL('/_meshloom/counts/reset', `http://${LOOPBACK}:${w.port}`), { method: 'POST', headers: {}, keepAlive: true, signal: o.signal });
          if (r.status !== 200) throw new Error(`${w.service} ${w.version} instance ${w.instance} (127.0.0.1:${w.port}) did not reset its counts: ${r.error ?? `status ${r.status}`}`);
        }),
      );
    },
  };
}

/** Worker processes of an HAProxy master (Linux: /proc/<pid>/task/<pid>/children). */
function workerCount(pid: number): number | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return text === '' ? 0 : text.split(/\s+/).length;
  } catch {
    return undefined;
  }
}

/**
 * After a reload the old HAProxy worker finishes its connections and exits (tens of
 * milliseconds on loopback). Waiting for that (at most `timeoutMs`) means every request a step
 * sends afterwards meets the new configuration.
 */
export async function settleProxy(target: TSandboxTarget, deployment: string, timeoutMs = 2000): Promise<void> {
  const pid = target.processes(deployment)?.proxy?.proc?.pid;
  if (pid === undefined) return;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = workerCount(pid);
    if (n === undefined || n <= 1 || Date.now() > deadline) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}
