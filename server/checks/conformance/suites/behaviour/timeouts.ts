/**
 * Timeouts: a request whose workload is made slower than the timeout (x-meshloom-latency on that
 * request only) is cut with 504 at the timeout — not earlier, and not later than the tolerance —
 * while the same request at normal speed is answered. With a per-try timeout the cut comes after
 * one to (attempts + 1) tries, and never after the whole-request timeout.
 */
import type { TRoute, TRouteRule } from '@/patterns/language/schema';
import { expectationOf, judge } from './expect';
import { BehaviourKit, EARLY_MS, lateMs, QUIET, QUIET_NOTE, skipped, type TPlannedStep, Verdict } from './kit';
import { ms, sec, type TEntry, type TReq } from './model';
import { CALM, caseOf } from './routing';
import { direct, who } from './traffic';

export interface TTimeoutCase {
  label: string;
  entry: TEntry;
  /** Rule index, or undefined for a service without routes. */
  rule?: number;
  /** Earliest and latest cut, ms. */
  lo: number;
  hi: number;
  what: string;
  perTry: boolean;
}

/** The timeout that applies to a request through `rule` of a route of `service` (pattern semantics), or undefined. */
export function timeoutOf(kit: BehaviourKit, service: string, route: TRoute | undefined, rule: TRouteRule | undefined): { lo: number; hi: number; what: string; perTry: boolean } | undefined {
  const m = kit.model;
  const whole = rule?.timeout ?? m.policiesFor('Timeout', service, route).filter((p) => p.request).at(-1)?.request;
  const retry = rule?.retries ?? m.policiesFor('Retry', service, route).at(-1);
  const perTry = retry?.perTryTimeout;
  if (perTry) {
    const one = ms(perTry);
    const all = one * (retry.attempts + 1);
    const hi = whole ? Math.min(ms(whole), all) : all;
    const lo = Math.min(one, hi);
    return { lo, hi, perTry: true, what: `per-try timeout ${perTry} × up to ${retry.attempts + 1} tries${whole ? `, within the ${whole} request timeout` : ''}` };
  }
  if (whole) return { lo: ms(whole), hi: ms(whole), perTry: false, what: `timeout ${whole}` };
  return undefined;
}

export function timeoutSteps(kit: BehaviourKit): TPlannedStep[] {
  const m = kit.model;
  const cases: TTimeoutCase[] = [];
  const out: TPlannedStep[] = [];
  const features = (c: { perTry: boolean }) => (c.perTry ? (['request-timeout', 'per-try-timeout'] as const) : (['request-timeout'] as const));
  const consider = (entry: TEntry, i: number | undefined, service: string) => {
    const ref = i === undefined ? undefined : entry.rules[i];
    if (ref?.rule.redirect) return;
    const t = timeoutOf(kit, service, ref?.route, ref?.rule);
    if (!t) return;
    const label = ref ? ref.label : service;
    const name = `timeout: ${label}`;
    const assertion = `a request to ${label} whose workload answers later than its ${t.what} is cut with 504 after ${t.lo === t.hi ? sec(t.lo) : `${sec(t.lo)}–${sec(t.hi)}`}`;
    const dest = m.destinations(entry, ref?.rule);
    if (dest.external) return out.push(skipped(name, assertion, [...features(t)], `${label} sends traffic to external service ${dest.external}, which has no local stand-in in the sandbox`));
    if (ref?.rule.fault?.delay || m.policiesFor('FaultInjection', entry.name, ref?.route).some((f) => f.delay)) return out.push(skipped(name, assertion, [...features(t)], `${label} also injects delays, which would decide the timing (the fault step checks them)`));
    if (t.hi > kit.maxWaitMs) return out.push(skipped(name, assertion, [...features(t)], `the cut comes after ${sec(t.hi)}, longer than the ${sec(kit.maxWaitMs)} this run waits for one timeout (set MESHLOOM_BEHAVIOUR_MAX_WAIT_MS to check it)`));
    if (i !== undefined) {
      const c = caseOf(kit, entry, i);
      if ('why' in c) return out.push(skipped(name, assertion, [...features(t)], c.why));
    } else if (m.senderFor(service, { method: 'GET', path: '/', query: {}, headers: {} }) === undefined) {
      return out.push(skipped(name, assertion, [...features(t)], `no caller may send requests to ${service} through the mesh (authorization${m.mtls(service) === 'strict' ? ', strict mTLS' : ''})`));
    }
    cases.push({ label, entry, ...(i !== undefined ? { rule: i } : {}), ...t });
  };

  for (const s of m.pattern.spec.services) {
    const entry = m.serviceEntry(s.name);
    if (!m.isHttp(s)) {
      if (m.policiesFor('Timeout', s.name).some((p) => p.request) || entry.rules.some((r) => r.rule.timeout)) out.push(skipped(`timeout: ${s.name}`, `requests to ${s.name} are cut at their timeout`, ['request-timeout', 'tcp'], `${s.name} is a TCP service: the sample workload answers HTTP requests, a TCP session timeout is not observable per request`));
      continue;
    }
    if (entry.rules.length) entry.rules.forEach((r, i) => consider(entry, i, r.route.service));
    else consider(entry, undefined, s.name);
  }
  for (const g of m.gatewayEntries()) {
    if (!g.entry) continue;
    g.entry.rules.forEach((r, i) => consider(g.entry!, i, r.route.service));
  }
  // Timeout policies with nothing a request can show.
  for (const p of m.policies) {
    if (p.kind !== 'Timeout' || p.request) continue;
    const on = p.target ?? p.route ?? '?';
    const what = [p.idle && `idle ${p.idle}`, p.connect && `connect ${p.connect}`].filter(Boolean).join(', ');
    out.push(skipped(`timeout: ${on} (${what})`, `connections to ${on} honour the ${what} timeout`, ['request-timeout'], `idle and connect timeouts are not observable with the sample workload: loopback connections open at once, and the probe does not hold idle connections`));
  }
  for (const p of m.policies) {
    if (p.kind !== 'Timeout' || !p.request || !p.target || m.services.has(p.target)) continue;
    out.push(skipped(`timeout: ${p.target}`, `requests to ${p.target} are cut at ${p.request}`, ['request-timeout'], m.externals.has(p.target) ? `${p.target} is an external service: it has no local stand-in in the sandbox` : `${p.target} is a gateway: its timeouts apply to its TLS/TCP listeners, which the probe does not drive`));
  }

  if (cases.length) {
    const list = cases.map((c) => `${c.label} (${c.what})`).join('; ');
    out.unshift({
      name: `timeouts: ${cases.map((c) => c.label).join(', ')}`,
      assertion: `for ${list}: a request whose workload is slower than the timeout gets 504 from the proxy within [cut − ${EARLY_MS} ms, cut + tolerance], the same request at normal speed is answered (${QUIET_NOTE})`,
      features: [...new Set(cases.flatMap((c) => [...features(c)]))],
      async run(ctx) {
        const probe = await kit.use(ctx, QUIET);
        const v = new Verdict();
        await Promise.all(
          cases.map(async (c) => {
            let req: TReq;
            let as: string | null;
            if (c.rule !== undefined) {
              const k = caseOf(kit, c.entry, c.rule);
              if ('why' in k) return v.note(k.why);
              req = k.req;
              as = k.as;
            } else {
              const base = { method: 'GET', path: '/', query: {}, headers: {} };
              as = m.senderFor(c.entry.name, base) ?? null;
              req = { ...base, source: as };
            }
            const e = expectationOf(m, c.entry, req, as);
            const normal = await direct(probe, c.entry.to, req, as, { headers: CALM });
            const problems = judge(e, normal);
            v.check(problems.length === 0 && normal.ms < c.lo, `${c.label} at normal speed: answered (${e.kind === 'forward' ? e.status : e.kind}) before ${sec(c.lo)}`, `${c.label} at normal speed: ${problems.length ? problems.join(', ') : `${normal.status} from ${who(normal)} after ${sec(normal.ms)}`}`);
            const slowBy = Math.round(c.hi + 500);
            const slow = await direct(probe, c.entry.to, req, as, { headers: { 'x-meshloom-latency': String(slowBy), 'x-meshloom-error-rate': '0' } });
            const late = c.hi + lateMs(c.hi);
            const okCut = slow.status === 504 && !slow.service && slow.ms >= c.lo - EARLY_MS && slow.ms <= late;
            v.check(
              okCut,
              `${c.label} with the workload ${sec(slowBy)} slow: 504 from the proxy after ${c.lo === c.hi ? sec(c.lo) : `${sec(c.lo)}–${sec(c.hi)}`} (accepted ${sec(c.lo - EARLY_MS)}–${sec(late)})`,
              `${c.label} with the workload ${sec(slowBy)} slow: ${slow.status} from ${who(slow)} after ${sec(slow.ms)}`,
            );
          }),
        );
        return v.outcome();
      },
    });
  }
  return out;
}
