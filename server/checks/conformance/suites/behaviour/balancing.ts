/**
 * Load: connection limits and load balancing.
 * - Connection limits (bulkhead): K concurrent requests, each made slow on purpose, are served
 *   at most maxConnections (maxRequests) at a time — the rest wait — and with maxPendingRequests
 *   at most that many wait: the overflow gets 503 from the proxy at once. The sandbox divides a
 *   service-wide limit among the proxy's servers (rounding up per server), which the tolerance
 *   names.
 * - Load balancing: round-robin spreads sequential requests evenly over the endpoints (each
 *   within one request of its share); least-request and random reach every endpoint;
 *   session affinity sends requests with the same key (header, query parameter, cookie, source)
 *   to the same endpoint and different keys to more than one.
 */
import { QUIET, QUIET_NOTE, skipped, type TPlannedStep, type TVariant, Verdict, type BehaviourKit } from './kit';
import { sec, type TUnit } from './model';
import { targetRule } from './outliers';
import { timeoutOf } from './timeouts';
import { CALM } from './routing';
import { direct, many, tally, type TAnswer, who } from './traffic';

const SLOW = 300;
const MAX_CONCURRENT = 400;

export function connectionLimitSteps(kit: BehaviourKit): TPlannedStep[] {
  const m = kit.model;
  const out: TPlannedStep[] = [];
  for (const p of m.policies) {
    if (p.kind !== 'ConnectionLimits') continue;
    const target = p.target ?? (p.route ? m.routeNamed(p.route)?.service : undefined) ?? '?';
    const name = `connection limits: ${target}`;
    const limit = Math.min(p.maxConnections ?? Infinity, p.maxRequests ?? Infinity);
    const pending = p.maxPendingRequests;
    const assertion = Number.isFinite(limit)
      ? `of concurrent requests to ${target}, each made slow, at most ${limit} are served at a time${pending !== undefined ? ` and at most ${pending} wait; the rest get 503 from the proxy at once` : '; the rest wait their turn'} (${QUIET_NOTE})`
      : `${target} honours its connection settings`;
    const s = m.services.get(target);
    if (!s) {
      out.push(skipped(name, assertion, ['connection-limits'], m.externals.has(target) ? `${target} is an external service: it has no local stand-in in the sandbox` : `${target} is not a service with workloads`));
      continue;
    }
    if (!m.isHttp(s)) {
      out.push(skipped(name, assertion, ['connection-limits', 'tcp'], `${target} is a TCP service: the sample workload answers HTTP requests, so concurrent sessions cannot be held open on demand`));
      continue;
    }
    if (!Number.isFinite(limit)) {
      out.push(skipped(name, assertion, ['connection-limits'], `only ${[p.maxPendingRequests && 'maxPendingRequests', p.maxRequestsPerConnection && 'maxRequestsPerConnection', p.connectTimeout && 'connectTimeout'].filter(Boolean).join(', ')} set: without a cap on concurrent requests nothing queues, and requests per connection and connect timeouts are not observable with the sample workload`));
      continue;
    }
    const t = targetRule(kit, target);
    if ('why' in t) {
      out.push(skipped(name, assertion, ['connection-limits'], t.why));
      continue;
    }
    const ref = t.rule === undefined ? undefined : t.entry.rules[t.rule];
    // The requests are made slow on purpose to hold the slots: the service's own timeouts (their own step) would cut them.
    const timed = timeoutOf(kit, target, ref?.route, ref?.rule) !== undefined;
    const SLOW_MS = SLOW;
    const variant: TVariant = !timed
      ? QUIET
      : {
          key: `untimed-${target}`,
          make: (p0) => {
            const q = QUIET.make!(p0);
            q.spec.policies = q.spec.policies.filter((x) => !((x.kind === 'Timeout' || x.kind === 'Retry') && (x.target === target || (x.route && q.spec.routes.find((r) => (r.name ?? r.service) === x.route)?.service === target))));
            for (const r of q.spec.routes)
              if (r.service === target)
                for (const rule of r.rules) {
                  delete rule.timeout;
                  delete rule.retries;
                }
            return q;
          },
        };
    // The sandbox's servers for this backend: one per instance, or one per version under mTLS; the limit is divided among them.
    const servers = (u: TUnit) => (m.mtls(u.service) ? 1 : u.instances);
    const all = m.destinations(t.entry, ref?.rule).units;
    const n = all.reduce((x, u) => x + servers(u), 0);
    const live = t.units.reduce((x, u) => x + servers(u), 0);
    const perServer = Math.ceil(limit / Math.max(1, n));
    const most = live * perServer;
    const k = pending !== undefined ? limit + pending + Math.max(5, Math.ceil((limit + pending) / 4)) : 2 * limit;
    if (k > MAX_CONCURRENT) {
      out.push(skipped(name, assertion, ['connection-limits'], `checking a limit of ${limit}${pending !== undefined ? ` + ${pending} pending` : ''} takes ${k} concurrent requests, more than this run opens at once (${MAX_CONCURRENT})`));
      continue;
    }
    out.push({
      name,
      assertion: `${assertion} (each ${sec(SLOW_MS)} slow${timed ? `, on the pattern without ${target}'s timeouts and retries, which would cut them` : ''}); the sandbox divides the limit over ${n} server${n > 1 ? 's' : ''} (${perServer} each), so up to ${most} may be served at once`,
      features: ['connection-limits'],
      async run(ctx) {
        const probe = await kit.use(ctx, variant);
        const v = new Verdict();
        const answers = await Promise.all(Array.from({ length: k }, () => direct(probe, t.entry.to, t.req, t.as, { headers: { 'x-meshloom-latency': String(SLOW_MS), 'x-meshloom-error-rate': '0' } })));
        const served = answers.filter((a) => a.status === 200);
        const rejected = answers.filter((a) => a.status === 503 && !a.service);
        const others = answers.filter((a) => a.status !== 200 && !(a.status === 503 && !a.service));
        // The first wave: answered within half the delay of the first answer; the next wave waited a slot (one more delay).
        const first = Math.min(...served.map((a) => a.ms));
        const firstWave = served.filter((a) => a.ms < first + SLOW_MS / 2).length;
        v.check(
          served.length > 0 && firstWave >= Math.min(limit, k) && firstWave <= most + 2,
          `${Math.min(limit, k)}–${most} requests served at once (the limit on concurrent requests), the others after a free slot`,
          served.length ? `${firstWave} served in the first wave (${sec(first)}–${sec(first + SLOW_MS / 2)})` : 'none served',
        );
        if (pending !== undefined) {
          const cap = most + pending + 2;
          v.check(
            served.length >= limit + pending - 2 && served.length <= cap && rejected.length >= k - cap && others.length === 0 && rejected.every((a) => a.ms < SLOW_MS),
            `of ${k}: ${limit + pending}–${most + pending} served (${limit} at a time + ${pending} waiting), the rest 503 from the proxy at once`,
            `${served.length} served, ${rejected.length} got 503 from the proxy${rejected.length ? ` (slowest after ${sec(Math.max(...rejected.map((a) => a.ms)))})` : ''}${others.length ? `, other answers: ${tally(others.map(who))}` : ''}`,
          );
        } else {
          v.check(served.length === k, `all ${k} served (the rest wait for a free slot)`, `${served.length} served${others.length || rejected.length ? `; ${tally([...rejected, ...others].map(who))}` : ''}`);
        }
        return v.outcome();
      },
    });
  }
  return out;
}

export function loadBalancingSteps(kit: BehaviourKit): TPlannedStep[] {
  const m = kit.model;
  const out: TPlannedStep[] = [];
  for (const p of m.policies) {
    if (p.kind !== 'LoadBalancing') continue;
    const target = p.target ?? (p.route ? m.routeNamed(p.route)?.service : undefined) ?? '?';
    const a = p.sessionAffinity;
    const features: TPlannedStep['features'] = a ? ['load-balancing', 'session-affinity'] : ['load-balancing'];
    const key = a?.header ? `header ${a.header}` : a?.queryParameter ? `query parameter ${a.queryParameter}` : a?.cookie ? `cookie ${a.cookie.name}` : a?.sourceIp ? 'source address' : undefined;
    const name = `load balancing: ${target}`;
    const assertion = key
      ? `requests to ${target} with the same ${key} reach the same endpoint${a?.sourceIp ? '' : ', and different values reach more than one'} (${p.algorithm}) (${QUIET_NOTE})`
      : p.algorithm === 'round-robin'
        ? `sequential requests to ${target} are spread evenly over its endpoints (round-robin: each within one request of its share) (${QUIET_NOTE})`
        : `requests to ${target} reach every endpoint (${p.algorithm}) (${QUIET_NOTE})`;
    const s = m.services.get(target);
    if (!s || !m.isHttp(s)) {
      out.push(skipped(name, assertion, s ? [...features, 'tcp'] : features, s ? `${target} is a TCP service: the sample workload answers HTTP requests` : `${target} is not a service with workloads`));
      continue;
    }
    const t = targetRule(kit, target);
    if ('why' in t) {
      out.push(skipped(name, assertion, features, t.why));
      continue;
    }
    const instances = t.units.reduce((x, u) => x + u.instances, 0);
    if (instances < 2) {
      out.push(skipped(name, assertion, features, `${t.label} reaches one endpoint only: there is nothing to balance`));
      continue;
    }
    if (!key && (p.algorithm === 'ring-hash' || p.algorithm === 'maglev')) {
      out.push(skipped(name, assertion, features, `${p.algorithm} without a session affinity key: the requests carry nothing to hash on, so which endpoint answers is not specified by the pattern`));
      continue;
    }
    out.push({
      name,
      assertion,
      features,
      async run(ctx) {
        const probe = await kit.use(ctx, QUIET);
        const v = new Verdict();
        const send = (extra: { headers?: Record<string, string>; query?: Record<string, string> } = {}) =>
          direct(probe, t.entry.to, { ...t.req, headers: { ...t.req.headers, ...(extra.headers ?? {}) }, query: { ...t.req.query, ...(extra.query ?? {}) } }, t.as, { headers: CALM });
        const inst = (x: TAnswer) => (x.instance ? x.instance : who(x));
        if (key) {
          const stick = async (extra: { headers?: Record<string, string>; query?: Record<string, string> }) => many(6, 1, () => send(extra));
          const keyed = (val: string) => (a?.header ? { headers: { [a.header.toLowerCase()]: val } } : a?.queryParameter ? { query: { [a.queryParameter]: val } } : {});
          if (a?.cookie) {
            const first = await send();
            const set = first.resHeaders?.['set-cookie'] ?? '';
            const c = set.split(/,(?=[^;]+=)/).map((x) => x.trim().split(';')[0]!).find((x) => x.startsWith(`${a.cookie!.name}=`));
            if (!c) {
              v.check(false, `the first answer sets cookie ${a.cookie.name}`, `Set-Cookie: ${set || 'absent'}`);
              return v.outcome();
            }
            const same = await stick({ headers: { cookie: c } });
            const ids = new Set(same.map(inst));
            v.check(ids.size === 1 && same.every((x) => x.status === 200) && same[0]!.instance === first.instance, `with cookie ${c}, 6 requests reach ${inst(first)}`, `${tally(same.map(inst))}`);
          } else {
            const same = await stick(keyed('meshloom-a'));
            const ids = new Set(same.map(inst));
            v.check(ids.size === 1 && same.every((x) => x.status === 200), `6 requests with the same ${key} reach one endpoint`, `${tally(same.map(inst))}`);
            if (!a?.sourceIp) {
              const spread = await many(16, 4, (i) => send(keyed(`meshloom-${i}`)));
              const n = new Set(spread.map(inst)).size;
              v.check(n > 1, `16 different values of ${key} reach more than one endpoint`, `${n} endpoint${n > 1 ? 's' : ''}: ${tally(spread.map(inst))}`);
            }
          }
          return v.outcome();
        }
        const total = instances * 10;
        const answers = await many(total, 1, () => send());
        const counts = new Map<string, number>();
        for (const x of answers) counts.set(inst(x), (counts.get(inst(x)) ?? 0) + 1);
        const expected = t.units.flatMap((u) => Array.from({ length: u.instances }, (_, i) => ({ id: `${u.service}-${u.version}-${i}`, share: u.share / u.instances })));
        if (p.algorithm === 'round-robin') {
          const off = expected.filter((e) => Math.abs((counts.get(e.id) ?? 0) - e.share * total) > 1 + 0.1 * e.share * total);
          v.check(off.length === 0, `of ${total} sequential requests, each endpoint gets its share ±1 (${expected.map((e) => `${e.id} ${+(e.share * total).toFixed(1)}`).join(', ')})`, tally(answers.map(inst)));
        } else {
          const missed = expected.filter((e) => e.share > 0 && !counts.get(e.id));
          v.check(missed.length === 0, `of ${total} requests, every endpoint gets some (${expected.map((e) => e.id).join(', ')})`, tally(answers.map(inst)));
        }
        return v.outcome();
      },
    });
  }
  return out;
}
