/**
 * What the pattern says must happen to one request at one entry: which rule takes it and then
 * where it lands (units), with which path and headers, or which redirect or status comes back.
 */
import type { TRouteRule } from '@/patterns/language/schema';
import { type Model, pathWithQuery, type TEntry, type TReq, type TUnit } from './model';
import { tally, type TAnswer, who } from './traffic';

export type TExpectation =
  | { kind: 'skip'; reason: string }
  | { kind: 'status'; status: number; why: string }
  | { kind: 'redirect'; status: number; scheme?: string; host?: string; port?: number; path: string }
  | {
      kind: 'forward';
      units: (TUnit & { share: number })[];
      /** 403 when the receiving service's authorization refuses the caller. */
      status: number;
      path?: string;
      host?: string;
      reqSet: Record<string, string>;
      reqAdd: Record<string, string>;
      reqRemove: string[];
      resSet: Record<string, string>;
      resAdd: Record<string, string>;
      resRemove: string[];
    };

/** The header a check sends so that a `remove` operation has something to remove. */
export const PROBE_VALUE = 'meshloom-probe';

/**
 * Expected outcome of `req` (sent as identity `as`) at `entry`. Rules with faults are left to the
 * fault step (their outcome is random by design).
 */
export function expectationOf(m: Model, entry: TEntry, req: TReq, as: string | null): TExpectation {
  const k = m.ruleFor(entry, req);
  if (k === 'none') return { kind: 'status', status: 404, why: 'no rule matches' };
  const ref = k === 'default' ? undefined : entry.rules[k];
  const rule: TRouteRule | undefined = ref?.rule;
  const faults = m.policiesFor('FaultInjection', entry.name, ref?.route);
  if (rule?.fault || faults.length) return { kind: 'skip', reason: `${ref?.label ?? entry.name} injects faults (the fault step checks it)` };
  if (rule?.redirect) {
    const r = rule.redirect;
    return { kind: 'redirect', status: r.statusCode, ...(r.scheme ? { scheme: r.scheme } : {}), ...(r.host ? { host: r.host } : {}), ...(r.port ? { port: r.port } : {}), path: r.path ?? pathWithQuery(req) };
  }
  const dest = m.destinations(entry, rule);
  if (dest.external) return { kind: 'skip', reason: `${ref?.label ?? entry.name} sends traffic to external service ${dest.external}, which has no local stand-in in the sandbox (it never leaves loopback)` };
  const units = dest.units.filter((u) => u.share > 0);
  if (units.length === 0) return { kind: 'skip', reason: `${ref?.label ?? entry.name} has no backend with a positive weight` };

  // Rewrites.
  let path: string | undefined;
  let host: string | undefined;
  const w = rule?.rewrite;
  if (w?.path !== undefined) path = w.path;
  else if (w?.prefix !== undefined) {
    const p = rule?.match.map((x) => (typeof x.path === 'string' ? x.path : x.path?.prefix)).find((x) => x !== undefined && req.path.startsWith(x));
    if (p !== undefined) {
      const from = p.replace(/\/$/, '');
      const to = w.prefix.replace(/\/$/, '');
      const rest = req.path.slice(from.length);
      path = to === '' ? `/${rest.replace(/^\//, '')}` : `${to}${rest}`;
    }
  }
  if (w?.host) host = w.host;

  // The receiving service decides on its own policies when it is not the entry's (cross-service
  // routes, gateways): the caller there is the entry's caller, or the gateway.
  const caller = entry.kind === 'gateway' ? entry.name : as;
  let status = 200;
  for (const u of units) {
    if (u.service === entry.name && entry.kind === 'service') continue;
    if (m.authorize(u.service, caller, { method: req.method, path: path ?? req.path }) === 'deny') status = 403;
  }
  const hq = rule?.headers?.request;
  const hs = rule?.headers?.response;
  const lower = (o: Record<string, string> | undefined) => Object.fromEntries(Object.entries(o ?? {}).map(([a, b]) => [a.toLowerCase(), b]));
  const reqSet = lower(hq?.set);
  const reqAdd = lower(hq?.add);
  return {
    kind: 'forward',
    units,
    status,
    ...(path !== undefined ? { path } : {}),
    ...(host ? { host } : {}),
    reqSet,
    reqAdd,
    reqRemove: (hq?.remove ?? []).map((h) => h.toLowerCase()).filter((h) => !(h in reqSet) && !(h in reqAdd)),
    resSet: lower(hs?.set),
    resAdd: lower(hs?.add),
    resRemove: (hs?.remove ?? []).map((h) => h.toLowerCase()),
  };
}

/** Headers to send so that the expectation's `remove` operations can be seen. */
export function probeHeaders(e: TExpectation): Record<string, string> {
  if (e.kind !== 'forward') return {};
  return Object.fromEntries(e.reqRemove.map((h) => [h, PROBE_VALUE]));
}

/** Problems of one answer against the expectation ([] = as expected). */
export function judge(e: TExpectation, a: TAnswer): string[] {
  const out: string[] = [];
  if (e.kind === 'skip') return out;
  if (e.kind === 'status') {
    if (a.status !== e.status) out.push(`status ${a.status} (${who(a)}) instead of ${e.status} (${e.why})`);
    return out;
  }
  if (e.kind === 'redirect') {
    if (a.status !== e.status) out.push(`status ${a.status} (${who(a)}) instead of redirect ${e.status}`);
    const loc = a.resHeaders?.location;
    if (!a.direct) return out;
    if (!loc) {
      out.push('no Location header');
      return out;
    }
    let u: URL;
    try {
      u = new URL(loc);
    } catch {
      out.push(`Location ${loc} is not an absolute URL`);
      return out;
    }
    if (e.scheme && u.protocol !== `${e.scheme}:`) out.push(`Location ${loc}: scheme ${u.protocol.slice(0, -1)} instead of ${e.scheme}`);
    if (e.host && u.hostname !== e.host) out.push(`Location ${loc}: host ${u.hostname} instead of ${e.host}`);
    if (e.port && Number(u.port || (u.protocol === 'https:' ? 443 : 80)) !== e.port) out.push(`Location ${loc}: port ${u.port} instead of ${e.port}`);
    if (`${u.pathname}${u.search}` !== e.path) out.push(`Location ${loc}: path ${u.pathname}${u.search} instead of ${e.path}`);
    return out;
  }
  if (a.status !== e.status) {
    out.push(`status ${a.status} (${who(a)}) instead of ${e.status}`);
    return out;
  }
  if (e.status !== 200) return out;
  if (!e.units.some((u) => u.service === a.service && u.version === a.version)) out.push(`answered by ${who(a)} instead of ${e.units.map((u) => `${u.service}/${u.version}`).join(' or ')}`);
  if (e.path !== undefined && a.path !== undefined && a.path !== e.path) out.push(`the workload saw path ${a.path} instead of the rewritten ${e.path}`);
  const h = a.reqHeaders ?? {};
  if (e.host && h.host !== e.host) out.push(`the workload saw Host ${h.host} instead of the rewritten ${e.host}`);
  for (const [k, v] of Object.entries(e.reqSet)) if (h[k] !== v) out.push(`request header ${k}: ${h[k] ?? 'absent'} instead of ${v}`);
  for (const [k, v] of Object.entries(e.reqAdd)) if (!(h[k] ?? '').split(/,\s*/).includes(v)) out.push(`request header ${k}: ${h[k] ?? 'absent'}, without the added ${v}`);
  for (const k of e.reqRemove) if (h[k] !== undefined) out.push(`request header ${k} reached the workload (${h[k]}) although the rule removes it`);
  if (a.direct) {
    const r = a.resHeaders ?? {};
    for (const [k, v] of Object.entries(e.resSet)) if (r[k] !== v) out.push(`response header ${k}: ${r[k] ?? 'absent'} instead of ${v}`);
    for (const [k, v] of Object.entries(e.resAdd)) if (!(r[k] ?? '').split(/,\s*/).includes(v)) out.push(`response header ${k}: ${r[k] ?? 'absent'}, without the added ${v}`);
    for (const k of e.resRemove) if (r[k] !== undefined) out.push(`response header ${k} present (${r[k]}) although the rule removes it`);
  }
  return out;
}

export function describeExpectation(e: TExpectation): string {
  switch (e.kind) {
    case 'skip':
      return e.reason;
    case 'status':
      return `status ${e.status} (${e.why})`;
    case 'redirect':
      return `redirect ${e.status} to ${e.scheme ?? '(same scheme)'}://${e.host ?? '(same host)'}${e.port ? `:${e.port}` : ''}${e.path}`;
    case 'forward': {
      const parts = [e.status === 200 ? `answered by ${e.units.map((u) => `${u.service}/${u.version}`).join(' or ')}` : `refused ${e.status} by the receiving service's authorization`];
      if (e.path !== undefined) parts.push(`path rewritten to ${e.path}`);
      if (e.host) parts.push(`Host rewritten to ${e.host}`);
      const hs = [...Object.keys(e.reqSet).map((k) => `set ${k}`), ...Object.keys(e.reqAdd).map((k) => `add ${k}`), ...e.reqRemove.map((k) => `remove ${k}`)];
      if (hs.length) parts.push(`request headers: ${hs.join(', ')}`);
      const rs = [...Object.keys(e.resSet).map((k) => `set ${k}`), ...Object.keys(e.resAdd).map((k) => `add ${k}`), ...e.resRemove.map((k) => `remove ${k}`)];
      if (rs.length) parts.push(`response headers: ${rs.join(', ')}`);
      return parts.join(', ');
    }
  }
}

export { tally };
