/**
 * Retries: a backend made to fail on purpose (x-meshloom-error-rate on those requests only) is
 * tried exactly attempts + 1 times per request (counted by the workloads), and with a 50% error
 * rate the share of successful requests is the one attempts + 1 independent tries give
 * (1 − 0.5^(attempts+1)), not the 50% of a single try — within an exact binomial tolerance. When
 * the retry conditions do not cover 5xx answers but a per-try timeout is set (and timeouts are
 * retried: 5xx, gateway-error or reset), a request slower than the per-try timeout is tried
 * attempts + 1 times.
 */
import type { TRoute, TRouteRule } from '@/patterns/language/schema';
import { BehaviourKit, QUIET, QUIET_NOTE, skipped, type TPlannedStep, Verdict } from './kit';
import { ms, type P, sec, type TEntry } from './model';
import { caseOf } from './routing';
import { binomialInterval, FALSE_FAILURE, pct } from './stats';
import { direct, many, received, tally, who } from './traffic';

type TRetry = NonNullable<TRouteRule['retries']> | P<'Retry'>;

const FAILING = 4;
const HALF = 60;

function retryOf(kit: BehaviourKit, service: string, route: TRoute | undefined, rule: TRouteRule | undefined): TRetry | undefined {
  return rule?.retries ?? kit.model.policiesFor('Retry', service, route).at(-1);
}

/** How a retry condition of the pattern can be provoked with the sample workload. */
function modeOf(r: TRetry): { mode: 'error' } | { mode: 'timeout'; perTry: string } | { why: string } {
  if (r.on.includes('5xx') || (r.on.includes('retriable-status-codes') && r.statusCodes?.includes(500))) return { mode: 'error' };
  if (r.perTryTimeout && r.on.some((o) => o === 'gateway-error' || o === 'reset')) return { mode: 'timeout', perTry: r.perTryTimeout };
  return { why: `the retry conditions (${r.on.join(', ')}) cannot be provoked with the sample workload: it answers 500 on demand, never refuses or resets connections, and gRPC or 4xx statuses are not among its answers` };
}

export function retrySteps(kit: BehaviourKit): TPlannedStep[] {
  const m = kit.model;
  const out: TPlannedStep[] = [];
  const consider = (entry: TEntry, i: number | undefined, service: string) => {
    const ref = i === undefined ? undefined : entry.rules[i];
    if (ref?.rule.redirect) return;
    const r = retryOf(kit, service, ref?.route, ref?.rule);
    if (!r) return;
    const label = ref ? ref.label : service;
    const f: TPlannedStep['features'] = r.perTryTimeout ? ['retries', 'per-try-timeout'] : ['retries'];
    const name = `retries: ${label}`;
    const mode = modeOf(r);
    const assertion =
      'why' in mode
        ? `a failing request to ${label} is tried ${r.attempts + 1} times`
        : mode.mode === 'error'
          ? `a request to ${label} whose workload answers 500 is tried exactly ${r.attempts + 1} time${r.attempts ? 's' : ''}${r.attempts ? `; with a 50% error rate, ${HALF} requests succeed at the rate of ${r.attempts + 1} tries (${pct(1 - 0.5 ** (r.attempts + 1))}, exact binomial tolerance, false failure < ${FALSE_FAILURE})` : ''} (${QUIET_NOTE})`
          : `a request to ${label} whose workload is slower than the per-try timeout ${mode.perTry} is tried exactly ${r.attempts + 1} times and ends with 504 (${QUIET_NOTE})`;
    if ('why' in mode) return out.push(skipped(name, assertion, f, mode.why));
    const dest = m.destinations(entry, ref?.rule);
    if (dest.external) return out.push(skipped(name, assertion, f, `${label} sends traffic to external service ${dest.external}, which has no local stand-in in the sandbox`));
    if (ref?.rule.fault || m.policiesFor('FaultInjection', entry.name, ref?.route).length) return out.push(skipped(name, assertion, f, `${label} also injects faults, which would blur the count of tries (the fault step checks them)`));
    if (mode.mode === 'timeout' && ms(mode.perTry) * (r.attempts + 1) > kit.maxWaitMs) return out.push(skipped(name, assertion, f, `${r.attempts + 1} tries of ${mode.perTry} take longer than the ${sec(kit.maxWaitMs)} this run waits (set MESHLOOM_BEHAVIOUR_MAX_WAIT_MS to check it)`));
    const found = i === undefined ? undefined : caseOf(kit, entry, i);
    if (found && 'why' in found) return out.push(skipped(name, assertion, f, found.why));
    const c = found && !('why' in found) ? found : undefined;
    if (!c && m.senderFor(entry.name, { method: 'GET', path: '/', query: {}, headers: {} }) === undefined) return out.push(skipped(name, assertion, f, `no caller may send requests to ${entry.name} through the mesh`));
    out.push({
      name,
      assertion,
      features: f,
      async run(ctx) {
        const probe = await kit.use(ctx, QUIET);
        const base = { method: 'GET', path: '/', query: {}, headers: {} };
        const req = c ? c.req : { ...base, source: null };
        let as = c ? c.as : (m.senderFor(entry.name, base) ?? null);
        // A named caller when possible, so the workloads' counts single out these requests (active health checks count as unknown).
        if (as === null && entry.kind === 'service') {
          const named = m.pattern.spec.services.map((s) => s.name).find((n) => m.senderFor(entry.name, req, n) === n && (i === undefined || m.ruleFor(entry, { ...req, source: n }) === i));
          if (named) as = named;
        }
        const units = dest.units.filter((u) => u.share > 0);
        const services = [...new Set(units.map((u) => u.service))];
        const source = entry.kind === 'gateway' ? entry.name : (as ?? 'unknown');
        const countAll = async () => {
          let n = 0;
          for (const s of services) n += (await received(probe, s, source)).total;
          return n;
        };
        const v = new Verdict();
        const tries = r.attempts + 1;
        if (mode.mode === 'error') {
          await probe.resetCounts();
          const failing = await many(FAILING, FAILING, () => direct(probe, entry.to, { ...req, source: as }, as, { headers: { 'x-meshloom-error-rate': '1', 'x-meshloom-latency': '0' } }));
          const got = await countAll();
          v.check(
            got === FAILING * tries && failing.every((a) => a.status === 500),
            `${FAILING} requests answered 500 by the workload: ${FAILING * tries} tries reach the workloads (${tries} each), the caller gets 500`,
            `${got} tries reached the workloads (${+(got / FAILING).toFixed(2)} per request); the caller got ${tally(failing.map(who))}`,
          );
          if (r.attempts > 0) {
            await probe.resetCounts();
            const half = await many(HALF, 6, () => direct(probe, entry.to, { ...req, source: as }, as, { headers: { 'x-meshloom-error-rate': '0.5', 'x-meshloom-latency': '0' } }));
            const ok = half.filter((a) => a.status === 200).length;
            const p = 1 - 0.5 ** tries;
            const [lo, hi] = binomialInterval(HALF, p, FALSE_FAILURE);
            const [lo1, hi1] = binomialInterval(HALF, 0.5, FALSE_FAILURE);
            const sent = await countAll();
            v.check(
              ok >= lo && ok <= hi,
              `with a 50% error rate, ${lo}–${hi} of ${HALF} requests succeed (${pct(p)} with ${tries} tries; a single try would give ${lo1}–${hi1})`,
              `${ok}/${HALF} succeeded (${pct(ok / HALF)}), ${sent} tries reached the workloads`,
            );
          }
        } else {
          const perTryMs = ms(mode.perTry);
          await probe.resetCounts();
          const slow = await many(2, 2, () => direct(probe, entry.to, { ...req, source: as }, as, { headers: { 'x-meshloom-latency': String(perTryMs * tries + 500), 'x-meshloom-error-rate': '0' } }));
          const got = await countAll();
          v.check(
            got === 2 * tries && slow.every((a) => a.status === 504),
            `2 requests slower than ${mode.perTry}: ${2 * tries} tries reach the workloads (${tries} each), the caller gets 504`,
            `${got} tries reached the workloads; the caller got ${tally(slow.map(who))}`,
          );
        }
        return v.outcome();
      },
    });
  };
  for (const s of m.pattern.spec.services) {
    const entry = m.serviceEntry(s.name);
    if (!m.isHttp(s)) {
      if (entry.rules.some((r) => r.rule.retries) || m.policiesFor('Retry', s.name).length) out.push(skipped(`retries: ${s.name}`, `failed requests to ${s.name} are retried`, ['retries', 'tcp'], `${s.name} is a TCP service: retries of requests are not observable on a TCP proxy with the sample workload`));
      continue;
    }
    if (entry.rules.length) entry.rules.forEach((r, i) => consider(entry, i, r.route.service));
    else consider(entry, undefined, s.name);
  }
  for (const g of m.gatewayEntries()) {
    if (!g.entry) continue;
    g.entry.rules.forEach((r, i) => consider(g.entry!, i, r.route.service));
  }
  for (const p of m.policies) {
    if (p.kind === 'Retry' && p.target && !m.services.has(p.target)) out.push(skipped(`retries: ${p.target}`, `failed requests to ${p.target} are retried`, ['retries'], `${p.target} is not a service with sample workloads (external service or gateway): a failure cannot be provoked there`));
  }
  return out;
}
