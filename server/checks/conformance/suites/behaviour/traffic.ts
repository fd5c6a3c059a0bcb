/**
 * Sending requests through the probe and reading what came back. Two ways in:
 * - direct: a request from outside to the entry listener; `as` sets the caller identity the
 *   sandbox uses (header x-meshloom-source, exactly what a sample workload sends when it calls
 *   through the mesh), so routing, timeouts and the like can be observed with any headers and
 *   with the proxy's response headers;
 * - workload: the caller's sample workload calls through the mesh (`/call/<to>`), for the checks
 *   about identity (authorization, mTLS).
 */
import type { TCallResult, TProbe } from '../../types';
import { pathWithQuery, type TReq } from './model';

export const SOURCE_HEADER = 'x-meshloom-source';

export interface TAnswer {
  status: number;
  /** The workload that answered (absent when the proxy answered itself). */
  service?: string;
  version?: string;
  instance?: string;
  /** The request as that workload saw it. */
  path?: string;
  query?: Record<string, string>;
  reqHeaders?: Record<string, string>;
  source?: string;
  /** Response headers (direct requests only: a workload's /call answer does not pass them on). */
  resHeaders?: Record<string, string>;
  /** Duration of the call through the mesh. */
  ms: number;
  direct: boolean;
  /** Body text when the proxy answered (error page, fault text). */
  text?: string;
}

type TBodyObject = Record<string, unknown>;
const isObj = (x: unknown): x is TBodyObject => typeof x === 'object' && x !== null && !Array.isArray(x);

/** What one call shows, whether the probe returned the caller's /call reply or the upstream's. */
export function answerOf(r: TCallResult, via: 'direct' | 'workload'): TAnswer {
  let body: unknown = r.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      /* proxy text */
    }
  }
  let ms = r.ms;
  let status = r.status;
  if (via === 'workload' && isObj(body) && 'called' in body) {
    // The caller's reply: {service, called, status, durationMs, upstream} or {error}.
    if (typeof body.durationMs === 'number') ms = body.durationMs;
    if (typeof body.status === 'number') status = body.status;
    body = body.upstream ?? body.error;
  }
  const out: TAnswer = { status, ms, direct: via === 'direct' };
  if (via === 'direct') out.resHeaders = r.headers;
  if (isObj(body) && typeof body.service === 'string' && typeof body.version === 'string') {
    out.service = body.service;
    out.version = body.version;
    if (typeof body.instance === 'string') out.instance = body.instance;
    if (typeof body.path === 'string') out.path = body.path;
    if (isObj(body.query)) out.query = body.query as Record<string, string>;
    if (isObj(body.headers)) out.reqHeaders = body.headers as Record<string, string>;
    if (typeof body.source === 'string') out.source = body.source;
  } else if (typeof body === 'string') out.text = body;
  else if (body !== undefined) out.text = JSON.stringify(body);
  return out;
}

export interface TSendOpts {
  /** Extra headers (x-meshloom-latency / x-meshloom-error-rate reach the workload either way). */
  headers?: Record<string, string>;
}

/** A request from outside to entry `to`, as identity `as` (null: none). */
export async function direct(probe: TProbe, to: string, req: Omit<TReq, 'source'> & { source?: string | null }, as: string | null, o: TSendOpts = {}): Promise<TAnswer> {
  const headers: Record<string, string> = { ...req.headers, ...(o.headers ?? {}) };
  if (as) headers[SOURCE_HEADER] = as;
  if (req.host) headers.host = req.host;
  const r = await probe.call(null, to, { path: pathWithQuery(req), method: req.method, headers });
  return answerOf(r, 'direct');
}

/** `from`'s sample workload calls `to` through the mesh. Only x-meshloom-latency / -error-rate headers travel with it. */
export async function viaWorkload(probe: TProbe, from: string, to: string, req: Omit<TReq, 'source'> & { source?: string | null }, o: TSendOpts = {}): Promise<TAnswer> {
  const r = await probe.call(from, to, { path: pathWithQuery(req), method: req.method, headers: { ...(o.headers ?? {}) } });
  return answerOf(r, 'workload');
}

/** `n` calls of `fn`, at most `concurrency` at a time, results in call order. */
export async function many<T>(n: number, concurrency: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(n, concurrency)) }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await fn(i);
      }
    }),
  );
  return out;
}

export const sleep = (msv: number) => new Promise((r) => setTimeout(r, msv));

/** `service/version` of an answer, or `proxy <status>` when the proxy answered. */
export const who = (a: TAnswer) => (a.service ? `${a.service}/${a.version}` : `proxy ${a.status}`);

/** Tally of labels: "reviews/v1 ×9, reviews/v2 ×1". */
export function tally(xs: string[]): string {
  const m = new Map<string, number>();
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
  return [...m.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, v]) => `${k} ×${v}`)
    .join(', ');
}

/** Requests a service's workloads received from `source` (all sources when undefined), per version. */
export async function received(probe: TProbe, service: string, source?: string): Promise<{ total: number; byVersion: Record<string, number> }> {
  const c = await probe.counts(service);
  const byVersion: Record<string, number> = {};
  let total = 0;
  for (const [v, bySource] of Object.entries(c.byVersion)) {
    const n = source === undefined ? Object.values(bySource).reduce((a, b) => a + b, 0) : (bySource[source] ?? 0);
    byVersion[v] = n;
    total += n;
  }
  return { total, byVersion };
}
