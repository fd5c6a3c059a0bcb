/**
 * Rate limits, on the pattern as written and before any other step sends traffic: a burst below
 * the limit (80% of requests + burst) is answered without one rejection; pushing on past the limit
 * gets the policy's status from the proxy, and no more than the limit gets through in the
 * interval (the proxy counts over a sliding window: requests older than part of the interval
 * leave it, so the bound grows with the time the burst took). With a key (header, source) the
 * step uses a bucket of its own, which must admit the whole limit.
 */
import { randomBytes } from 'node:crypto';
import { AS_IS, BehaviourKit, skipped, type TPlannedStep, Verdict } from './kit';
import { ms, type P, sec, type TEntry, type TReq } from './model';
import { caseOf } from './routing';
import { direct, many, tally, who } from './traffic';

const MAX_REQUESTS = 1500;

export function rateLimitSteps(kit: BehaviourKit): TPlannedStep[] {
  const m = kit.model;
  const out: TPlannedStep[] = [];
  for (const p of m.policies) {
    if (p.kind !== 'RateLimit') continue;
    const feature = p.scope === 'global' ? 'rate-limit-global' : 'rate-limit-local';
    const on = p.target ?? `route ${p.route}`;
    const limit = p.requests + (p.burst ?? 0);
    const name = `rate limit: ${on}`;
    const key = p.by?.header ? `per ${p.by.header} value` : p.by?.source ? 'per source' : p.by?.path ? 'per path' : 'for all requests';
    const assertion = `${on} lets ${p.requests}${p.burst ? ` + ${p.burst} burst` : ''} requests per ${p.interval} through (${key}${p.scope === 'global' ? ', global scope: one sandbox proxy' : ''}): 80% of that at once gets no ${p.status}; beyond it the proxy answers ${p.status}, and at most the limit gets through`;
    let entry: TEntry | undefined;
    let rule: number | undefined;
    let why: string | undefined;
    if (p.route) {
      const route = m.routeNamed(p.route);
      if (route?.gateway) {
        const g = m.gatewayEntries().find((x) => x.gateway.name === route.gateway && x.entry?.rules.some((r) => r.route === route));
        entry = g?.entry;
        why = m.gatewayEntries().find((x) => x.gateway.name === route.gateway)?.skip;
      } else if (route) {
        const s = m.services.get(route.service);
        if (s && m.isHttp(s)) entry = m.serviceEntry(s.name);
        else why = `${route.service} is a TCP service: its limit counts connections, and the sample workload answers HTTP requests`;
      }
      if (entry) rule = entry.rules.findIndex((r) => r.route === route);
    } else if (p.target) {
      const s = m.services.get(p.target);
      if (s && m.isHttp(s)) entry = m.serviceEntry(s.name);
      else if (s) why = `${s.name} is a TCP service: its limit counts connections, and the sample workload answers HTTP requests`;
      else if (m.gateways.has(p.target)) {
        const gs = m.gatewayEntries().filter((x) => x.gateway.name === p.target);
        entry = gs.find((x) => x.entry)?.entry;
        why = gs.find((x) => x.skip)?.skip;
      } else if (m.externals.has(p.target)) why = `${p.target} is an external service: it has no local stand-in in the sandbox`;
    }
    if (!entry) {
      out.push(skipped(name, assertion, [feature], why ?? `${on} is not reachable by the probe`));
      continue;
    }
    if (limit > MAX_REQUESTS) {
      out.push(skipped(name, assertion, [feature], `a limit of ${limit} requests per ${p.interval} needs more requests than this run sends to one listener (${MAX_REQUESTS})`));
      continue;
    }
    let base: { req: TReq; as: string | null } | { why: string };
    if (rule !== undefined && rule >= 0) base = caseOf(kit, entry, rule);
    else {
      const req = { method: 'GET', path: '/', query: {}, headers: {}, ...(entry.kind === 'gateway' ? { host: entry.rules[0]?.route.hosts?.[0] } : {}) };
      const as = entry.kind === 'gateway' ? null : m.senderFor(entry.name, req);
      base = as === undefined ? { why: `no caller may send requests to ${entry.name} through the mesh` } : { req: { ...req, source: as }, as };
    }
    if ('why' in base) {
      out.push(skipped(name, assertion, [feature], base.why));
      continue;
    }
    if (p.by?.source && entry.kind === 'service' && base.as === null) {
      const req = base.req;
      const named = m.pattern.spec.services.map((s) => s.name).find((n) => m.senderFor(entry.name, req, n) === n);
      if (!named) {
        out.push(skipped(name, assertion, [feature], `the limit is per source, and no service may call ${entry.name}`));
        continue;
      }
      base = { req: { ...req, source: named }, as: named };
    }
    out.push(rateLimitStep(kit, p, entry, base, { name, assertion, feature, limit }));
  }
  return out;
}

function rateLimitStep(kit: BehaviourKit, p: P<'RateLimit'>, entry: TEntry, base: { req: TReq; as: string | null }, o: { name: string; assertion: string; feature: 'rate-limit-local' | 'rate-limit-global'; limit: number }): TPlannedStep {
  return {
    name: o.name,
    assertion: o.assertion,
    features: [o.feature],
    async run(ctx) {
      const probe = await kit.use(ctx, AS_IS);
      const req = { ...base.req, headers: { ...base.req.headers } };
      // A bucket of our own when the limit is keyed by a header: nothing else has counted in it.
      const fresh = !!p.by?.header || !!p.by?.source;
      if (p.by?.header) req.headers[p.by.header.toLowerCase()] = `meshloom-${randomBytes(4).toString('hex')}`;
      const send = () => direct(probe, entry.to, req, base.as, { headers: { 'x-meshloom-latency': '0', 'x-meshloom-error-rate': '0' } });
      const below = Math.max(1, Math.floor(o.limit * 0.8));
      const t0 = performance.now();
      const first = await many(below, 16, send);
      const second = await many(o.limit, 16, send);
      const took = performance.now() - t0;
      const interval = ms(p.interval);
      const v = new Verdict();
      const limited = (a: { status: number; service?: string }) => a.status === p.status && !a.service;
      const firstLimited = first.filter(limited).length;
      v.check(firstLimited === 0, `none of the first ${below} requests (80% of the limit) gets ${p.status}`, `first ${below}: ${tally(first.map(who))}`);
      const all = [...first, ...second];
      const passed = all.filter((a) => !limited(a)).length;
      const rejected = all.length - passed;
      // Sliding window: over `took` ms, requests of the first part of the window leave it.
      const most = Math.ceil(o.limit * (1 + Math.min(1, took / interval))) + 1;
      const least = fresh ? o.limit : o.limit - Math.max(2, Math.ceil(o.limit * 0.05));
      const others = all.filter((a) => !limited(a) && a.status !== 200);
      v.check(
        rejected > 0 && passed <= most && passed >= least && others.length === 0,
        `of ${all.length} requests sent within ${sec(took)}: ${least}–${most} get through${fresh ? '' : ` (a few requests of the deployment's readiness checks count too)`}, the rest get ${p.status} from the proxy`,
        `${passed} got through, ${rejected} got ${p.status}${others.length ? `; other answers: ${tally(others.map(who))}` : ''}`,
      );
      return v.outcome();
    },
  };
}
