/**
 * Performance profiles: reading one (YAML or JSON text of an SMP PerformanceTestConfig) with
 * every problem reported as a coded issue, building one from command-line options, checking that
 * a target URL is plain http on loopback, and turning a profile's clients into the load specs the
 * generators run. `additional_options` (a string in SMP) may hold a JSON object with Meshloom's
 * extra settings: `{"method": "PUT", "timeout": "5s"}`; without it the method is POST when the
 * client has a body and GET otherwise.
 */
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { PerfError, type TPerfIssue } from './errors';
import { formatDuration, parseDurationMs, ZPerfProfile, type TLoadSpec, type TPerfClient, type TPerfProfile, type TPerfProfileInput } from './types';

/** zod issues as `path: message` issues (`clients[0].rps`). */
export function issuesOf(error: z.ZodError): TPerfIssue[] {
  return error.issues.map((i) => {
    let path = '';
    for (const k of i.path) path += typeof k === 'number' ? `[${k}]` : path ? `.${String(k)}` : String(k);
    let message = i.message;
    if (i.code === 'unrecognized_keys') message = `unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `'${k}'`).join(', ')}`;
    else if (i.code === 'invalid_type' && /received undefined/.test(i.message)) message = 'required';
    return { path, message };
  });
}

/** The value of a YAML or JSON document; ML8001 when it is neither. */
export function parseDocument(text: string, what: string): unknown {
  try {
    return parseYaml(text, { prettyErrors: false });
  } catch (e) {
    throw new PerfError('ML8001', `${what} is not valid YAML or JSON: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }
}

/** A validated profile, or ML8002 with every issue found (nothing of an invalid profile is used). */
export function validateProfile(value: unknown, what = 'the profile'): TPerfProfile {
  const r = ZPerfProfile.safeParse(value);
  if (!r.success) throw new PerfError('ML8002', `${what} is not a valid performance profile (SMP PerformanceTestConfig)`, issuesOf(r.error));
  const issues: TPerfIssue[] = [];
  r.data.clients.forEach((c, i) => {
    try {
      clientOptions(c);
    } catch (e) {
      if (e instanceof PerfError) issues.push(...e.issues.map((x) => ({ path: `clients[${i}].${x.path}`, message: x.message })));
      else throw e;
    }
  });
  if (issues.length) throw new PerfError('ML8002', `${what} is not a valid performance profile (SMP PerformanceTestConfig)`, issues);
  return r.data;
}

export function parseProfile(text: string, what = 'the profile'): TPerfProfile {
  return validateProfile(parseDocument(text, what), what);
}

export interface TProfileOptions {
  name?: string;
  url?: string;
  generator?: string;
  rps?: number;
  connections?: number;
  duration?: string;
  method?: string;
  headers?: Record<string, string>;
  cookies?: Record<string, string>;
  body?: string;
  contentType?: string;
}

/** A profile from command-line options (validated like a file). */
export function profileFromOptions(o: TProfileOptions): TPerfProfile {
  const input: TPerfProfileInput = {
    name: o.name ?? 'meshloom-perf',
    duration: o.duration ?? '10s',
    clients: [
      {
        ...(o.generator ? { load_generator: o.generator } : {}),
        protocol: 'PROTOCOL_HTTP',
        ...(o.connections !== undefined ? { connections: o.connections } : {}),
        ...(o.rps !== undefined ? { rps: o.rps } : {}),
        ...(o.headers && Object.keys(o.headers).length ? { headers: o.headers } : {}),
        ...(o.cookies && Object.keys(o.cookies).length ? { cookies: o.cookies } : {}),
        ...(o.body !== undefined ? { body: o.body } : {}),
        ...(o.contentType ? { content_type: o.contentType } : {}),
        ...(o.url ? { endpoint_urls: [o.url] } : {}),
        ...(o.method ? { additional_options: JSON.stringify({ method: o.method.toUpperCase() }) } : {}),
      },
    ],
  };
  return validateProfile(input, 'the options');
}

/** Overrides of a profile's clients from the command line (only what is given). */
export function overrideProfile(p: TPerfProfile, o: TProfileOptions): TPerfProfile {
  const clients = p.clients.map((c) => ({
    ...c,
    ...(o.generator ? { load_generator: o.generator as TPerfClient['load_generator'] } : {}),
    ...(o.rps !== undefined ? { rps: o.rps } : {}),
    ...(o.connections !== undefined ? { connections: o.connections } : {}),
    ...(o.headers ? { headers: { ...c.headers, ...o.headers } } : {}),
    ...(o.cookies ? { cookies: { ...c.cookies, ...o.cookies } } : {}),
    ...(o.body !== undefined ? { body: o.body } : {}),
    ...(o.contentType ? { content_type: o.contentType } : {}),
    ...(o.url ? { endpoint_urls: [o.url] } : {}),
    ...(o.method ? { additional_options: JSON.stringify({ ...safeJson(c.additional_options), method: o.method.toUpperCase() }) } : {}),
  }));
  // Re-validate: overrides obey the same rules as a file.
  return validateProfile({ ...p, ...(o.duration ? { duration: o.duration } : {}), ...(o.name ? { name: o.name } : {}), clients }, 'the profile with the command-line options');
}

function safeJson(text: string | undefined): Record<string, unknown> {
  if (!text) return {};
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** Method and timeout of a client (from additional_options), ML8002/ML8003 issues when wrong. */
export function clientOptions(c: TPerfClient): { method: string; timeoutMs?: number } {
  const issues: TPerfIssue[] = [];
  if (c.protocol !== 'http') issues.push({ path: 'protocol', message: `only HTTP load is supported (not ${c.protocol})` });
  if (c.ssl_certificate) issues.push({ path: 'ssl_certificate', message: 'TLS is not supported: load plain http:// endpoints on loopback' });
  let method = c.body !== undefined ? 'POST' : 'GET';
  let timeoutMs: number | undefined;
  if (c.additional_options !== undefined && c.additional_options.trim() !== '') {
    let extra: unknown;
    try {
      extra = JSON.parse(c.additional_options);
    } catch {
      issues.push({ path: 'additional_options', message: 'must be a JSON object, e.g. {"method":"PUT","timeout":"5s"}' });
    }
    if (extra !== undefined) {
      if (!extra || typeof extra !== 'object' || Array.isArray(extra)) issues.push({ path: 'additional_options', message: 'must be a JSON object' });
      else
        for (const [k, v] of Object.entries(extra)) {
          if (k === 'method') {
            if (typeof v === 'string' && METHODS.includes(v.toUpperCase())) method = v.toUpperCase();
            else issues.push({ path: 'additional_options.method', message: `one of ${METHODS.join(', ')}` });
          } else if (k === 'timeout') {
            const ms = typeof v === 'string' ? parseDurationMs(v) : undefined;
            if (ms === undefined || ms <= 0) issues.push({ path: 'additional_options.timeout', message: 'a duration such as 5s' });
            else timeoutMs = ms;
          } else issues.push({ path: `additional_options.${k}`, message: 'unknown option (known: method, timeout)' });
        }
    }
  }
  for (const [i, u] of c.endpoint_urls.entries()) {
    if (!u.startsWith('/') && !/^[a-z][a-z0-9+.-]*:\/\//i.test(u)) issues.push({ path: `endpoint_urls[${i}]`, message: 'an absolute http:// URL on loopback, or a path starting with / (resolved against the deployment)' });
  }
  if (issues.length) throw new PerfError('ML8002', 'invalid client', issues);
  return { method, ...(timeoutMs !== undefined ? { timeoutMs } : {}) };
}

const LOOPBACK_V4 = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/** The URL if it is plain http on loopback; ML8005 / ML8003 / ML8004 otherwise. */
export function checkLoopbackUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new PerfError('ML8005', `'${url}' is not a URL`);
  }
  if (u.protocol === 'https:') throw new PerfError('ML8003', `${url}: https is not supported; load the plain http:// listener`);
  if (u.protocol !== 'http:') throw new PerfError('ML8005', `${url}: only http:// URLs can be loaded`);
  const h = u.hostname;
  const loop = h === 'localhost' || h === '[::1]' || (LOOPBACK_V4.test(h) && h.split('.').every((o) => Number(o) <= 255));
  if (!loop) throw new PerfError('ML8004', `${url}: refused: load tests only target loopback (127.0.0.0/8, localhost, [::1]), not ${h}`, [], 'deploy the pattern on the local sandbox (--target sandbox) and test it there');
  if (u.username || u.password) throw new PerfError('ML8005', `${url}: credentials in the URL are not supported (use a header)`);
  return u;
}

/** Every header a client sends: its headers, its cookies as one Cookie header, its content type. */
export function clientHeaders(c: TPerfClient): Record<string, string> {
  const headers: Record<string, string> = { ...c.headers };
  const cookies = Object.entries(c.cookies);
  if (cookies.length) {
    const existing = Object.keys(headers).find((k) => k.toLowerCase() === 'cookie');
    const jar = cookies.map(([k, v]) => `${k}=${v}`).join('; ');
    if (existing) headers[existing] = `${headers[existing]}; ${jar}`;
    else headers.Cookie = jar;
  }
  if (c.content_type && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['Content-Type'] = c.content_type;
  return headers;
}

/** The load spec of one client against one (already checked) URL. */
export function specOf(c: TPerfClient, url: string, durationMs: number, o: { timeoutMs?: number; threads?: number } = {}): TLoadSpec {
  const { method, timeoutMs } = clientOptions(c);
  return {
    url,
    method,
    headers: clientHeaders(c),
    ...(c.body !== undefined ? { body: c.body } : {}),
    connections: c.connections,
    rps: c.rps,
    durationMs,
    timeoutMs: o.timeoutMs ?? timeoutMs ?? 10_000,
    ...(o.threads ? { threads: o.threads } : {}),
  };
}

export function profileDurationMs(p: TPerfProfile): number {
  return parseDurationMs(p.duration)!;
}

export { formatDuration };
