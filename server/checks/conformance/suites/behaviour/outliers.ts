/**
 * Steps that take endpoints out, each on its own variant of the pattern (so nothing else is
 * ejected meanwhile), run after every other step:
 * - circuit breaker (and a passive health check without one): one version is made to fail (its
 *   errorRate set to 1, the service's other versions healthy); sent through the rule it
 *   serves, it receives consecutiveErrors requests in a row per endpoint and then none, while the
 *   others keep answering; after the ejection time it receives requests again;
 * - active health check: one version made to fail on the check's path is taken out after
 *   unhealthyThreshold failed checks, and back after healthyThreshold passing ones once healthy;
 * - locality failover: while healthy, requests stay in the primary region; when every endpoint
 *   there fails (and the breaker ejects them), requests go to the failover region.
 * Durations longer than the run's wait budget (ejection times, check intervals) are scaled down
 * to it in the variant, and the step says so.
 */
import type { TPattern } from '@/patterns/language/schema';
import { goDuration } from '@/server/adapters/shared/k8s';
import { BehaviourKit, lateMs, QUIET, skipped, type TPlannedStep, type TVariant, Verdict } from './kit';
import { ms, type P, sec, type TEntry, type TReq, type TUnit } from './model';
import { CALM, caseOf } from './routing';
import { samplesToSee } from './stats';
import { direct, many, received, sleep, tally, type TAnswer, who } from './traffic';

type TShareUnit = TUnit & { share: number };

/**
 * The rule of a service that plain traffic reaches, with its units (preferring one that spreads
 * over several units), and the identity to send as: a service name when one may (the workloads
 * count requests per caller, so the step's requests are told apart from health checks, which
 * come without one), else none. `source` is what the workloads will see.
 */
export function targetRule(kit: BehaviourKit, service: string): { entry: TEntry; req: TReq; as: string | null; source: string; units: TShareUnit[]; all: TShareUnit[]; label: string; rule?: number } | { why: string } {
  const m = kit.model;
  const entry = m.serviceEntry(service);
  const tried: string[] = [];
  const options: { req: TReq; as: string | null; units: TShareUnit[]; all: TShareUnit[]; label: string; rule?: number }[] = [];
  if (entry.rules.length === 0) {
    const base = { method: 'GET', path: '/', query: {}, headers: {} };
    const as = m.senderFor(service, base);
    if (as === undefined) return { why: `no caller may send requests to ${service} through the mesh` };
    const all = m.destinations(entry, undefined).units;
    options.push({ req: { ...base, source: as }, as, units: all.filter((u) => u.share > 0), all, label: service });
  } else {
    entry.rules.forEach((r, i) => {
      if (r.rule.redirect || r.rule.fault) return;
      const d = m.destinations(entry, r.rule);
      if (d.external || d.units.some((u) => u.service !== service)) return;
      const c = caseOf(kit, entry, i);
      if ('why' in c) return void tried.push(c.why);
      options.push({ req: c.req, as: c.as, units: d.units.filter((u) => u.share > 0), all: d.units, label: r.label, rule: i });
    });
  }
  const best = options.find((o) => o.units.length > 1) ?? options[0];
  if (!best) return { why: tried[0] ?? `no rule of ${service} sends plain traffic to its own workloads` };
  let as = best.as;
  if (as === null) {
    const named = m.pattern.spec.services
      .map((x) => x.name)
      .find((n) => m.senderFor(service, best.req, n) === n && (best.rule === undefined || m.ruleFor(entry, { ...best.req, source: n }) === best.rule));
    if (named) as = named;
  }
  return { entry, ...best, req: { ...best.req, source: as }, as, source: as ?? 'unknown' };
}

/** HAProxy-side servers a unit stands for: one per instance, or one per version under mTLS (its inbound listener). */
const serversOf = (kit: BehaviourKit, u: TUnit) => (kit.model.mtls(u.service) ? 1 : u.instances);

/** The version to make fail: the one the pattern already gives an error rate, else the one with the fewest instances. */
function failingUnit(kit: BehaviourKit, units: TShareUnit[]): TShareUnit {
  const s = kit.model.services.get(units[0]!.service)!;
  const rated = units.find((u) => (s.versions.find((v) => v.name === u.version)?.errorRate ?? 0) > 0);
  return rated ?? [...units].sort((a, b) => a.instances - b.instances || b.version.localeCompare(a.version))[0]!;
}

function withVersions(p: TPattern, service: string, f: (version: string) => { errorRate?: number }): TPattern {
  const s = p.spec.services.find((x) => x.name === service);
  if (s) {
    if (s.versions.length === 0) s.versions = [{ name: 'v1', replicas: 1 }];
    s.versions = s.versions.map((v) => {
      const { errorRate: _e, ...rest } = v;
      const x = f(v.name).errorRate;
      return x ? { ...rest, errorRate: x } : rest;
    });
  }
  return p;
}

/**
 * After a reload HAProxy starts its health checks spread over the longest check interval of the
 * whole configuration (a server still "initializing" its checks comes back at its first passing
 * one, whatever rise says). Variants that take endpoints out therefore run every active check at
 * most CHECK_MS apart, and steps wait that long after deploying them.
 */
const CHECK_MS = 100;
/** The ejection time a circuit breaker step uses when the pattern's is longer than the wait budget. */
const SCALED_EJECTION_MS = 500;
function fastChecks(p: TPattern): TPattern {
  for (const x of p.spec.policies) if (x.kind === 'HealthCheck' && x.active && ms(x.active.interval) > CHECK_MS) x.active.interval = goDuration(CHECK_MS);
  return p;
}
const settleChecks = (longest = CHECK_MS) => sleep(longest + 100);

/** Sends `req` one at a time until `until` holds (checked after every `batch`), at most `max`. */
async function sendUntil(send: () => Promise<unknown>, until: () => Promise<boolean>, batch: number, max: number): Promise<{ sent: number; batchStart: number; reached: boolean }> {
  let sent = 0;
  let batchStart = performance.now();
  while (sent < max) {
    batchStart = performance.now();
    for (let i = 0; i < batch && sent < max; i++, sent++) await send();
    if (await until()) return { sent, batchStart, reached: true };
  }
  return { sent, batchStart, reached: false };
}

const hcActive0 = (kit: BehaviourKit, target: string) => kit.model.policiesFor('HealthCheck', target).some((h) => h.active);

/** Whether retries of a rule (or the service's Retry policy) cover the 500 the sample workload fails with. */
function retries500(kit: BehaviourKit, service: string, t: { entry: TEntry; rule?: number }): boolean {
  const ref = t.rule === undefined ? undefined : t.entry.rules[t.rule];
  const r = ref?.rule.retries ?? kit.model.policiesFor('Retry', service, ref?.route).at(-1);
  return !!r && r.attempts > 0 && (r.on.includes('5xx') || (r.on.includes('retriable-status-codes') && !!r.statusCodes?.includes(500)));
}

export function circuitBreakerSteps(kit: BehaviourKit): TPlannedStep[] {
  const m = kit.model;
  const out: TPlannedStep[] = [];
  const seen = new Set<string>();
  for (const p of m.policies) {
    let detector: { errors: number; ejection: string; what: string; features: TPlannedStep['features']; cb?: P<'CircuitBreaker'> } | undefined;
    let target: string | undefined;
    if (p.kind === 'CircuitBreaker') {
      target = p.target ?? (p.route ? m.routeNamed(p.route)?.service : undefined);
      detector = { errors: p.consecutiveErrors, ejection: p.ejectionTime, what: 'circuit breaker', features: ['circuit-breaker'], cb: p };
      const hc = target ? m.policiesFor('HealthCheck', target).find((h) => h.passive) : undefined;
      if (hc) detector.features = ['circuit-breaker', 'health-check-passive'];
    } else if (p.kind === 'HealthCheck' && p.passive) {
      target = p.target ?? (p.route ? m.routeNamed(p.route)?.service : undefined);
      if (target && m.policiesFor('CircuitBreaker', target).length) continue; // the breaker's step covers it
      detector = { errors: p.passive.consecutiveErrors, ejection: p.passive.ejectionTime, what: 'passive health check', features: ['health-check-passive'] };
    }
    if (!detector || !target) continue;
    const d = detector;
    const name = `${d.what}: ${target}`;
    if (seen.has(name)) continue;
    seen.add(name);
    const e = ms(d.ejection);
    const scaled = e > kit.maxWaitMs ? SCALED_EJECTION_MS : e;
    const gateway = d.cb?.consecutiveGatewayErrors;
    // The workload fails with 500, a 5xx but not a gateway error: the pattern ejects after consecutiveErrors of them.
    const exact = !(gateway !== undefined && gateway < d.errors);
    const limit = exact ? d.errors : Math.min(d.errors, gateway ?? d.errors);
    const assertion = `a version of ${target} made to fail (errorRate 1, answering at once) is ejected after ${exact ? '' : 'at most '}${d.errors} errors in a row per endpoint — then no request reaches it while the other versions answer — and receives requests again after the ejection time (${d.ejection}${scaled !== e ? `, scaled to ${sec(scaled)} for this run` : ''}) (on the pattern without its rate limits${hcActive0(kit, target) ? ', its active health check pointed at the never-failing /health' : ''}${exact ? '' : `; its ${gateway} consecutive gateway errors share the sandbox's one error counter, so it goes after ${limit}`})`;
    const s = m.services.get(target);
    if (!s) {
      out.push(skipped(name, assertion, d.features, m.externals.has(target) ? `${target} is an external service: it has no local stand-in in the sandbox, so no endpoint of it can be made to fail` : `${target} is not a service with workloads`));
      continue;
    }
    if (!m.isHttp(s)) {
      out.push(skipped(name, assertion, [...d.features, 'tcp'], `${target} is a TCP service: the sample workload cannot fail a TCP connection on demand`));
      continue;
    }
    const t = targetRule(kit, target);
    if ('why' in t) {
      out.push(skipped(name, assertion, d.features, t.why));
      continue;
    }
    if (retries500(kit, target, t)) {
      out.push(
        skipped(
          name,
          assertion,
          d.features,
          `${t.label} retries 5xx answers, and the sandbox's HAProxy judges an endpoint by the final answer of a request only: a failing endpoint whose answers are retried elsewhere is never ejected (haproxy declares circuit-breaker partial)`,
        ),
      );
      continue;
    }
    // With locality failover only the primary region takes traffic: the failing version is one of those.
    const lf = m.policiesFor('LocalityFailover', target)[0];
    const inPrimary = t.units.filter((u) => lf?.failover[0] && s.versions.find((x) => x.name === u.version)?.locality?.split('/')[0] === lf.failover[0].from);
    const failing = failingUnit(kit, inPrimary.length ? inPrimary : t.units);
    const hcActive = m.policiesFor('HealthCheck', target).find((h) => h.active);
    const variant: TVariant = {
      key: `fail-${target}-${failing.version}`,
      make: (p0) => {
        const q = QUIET.make!(p0);
        // Put the detector back (QUIET removes it), with the ejection time scaled to the budget.
        const orig = p0.spec.policies.filter((x) => x === p || (x.kind === 'HealthCheck' && x.passive && (x.target === target || x === p)));
        for (const x of orig) {
          const c = structuredClone(x);
          if (c.kind === 'CircuitBreaker') c.ejectionTime = goDuration(scaled);
          if (c.kind === 'HealthCheck' && c.passive) c.passive.ejectionTime = goDuration(scaled);
          const at = q.spec.policies.findIndex((y) => y.kind === 'HealthCheck' && y.target === c.target);
          if (c.kind === 'HealthCheck' && at >= 0) q.spec.policies[at] = c;
          else q.spec.policies.push(c);
        }
        // An active check on the target would take the failing version out by itself: point it at the workloads' /health, which never fails.
        for (const x of q.spec.policies)
          if (x.kind === 'HealthCheck' && x.active && x.target === target) {
            x.active.path = '/health';
            delete x.active.expectedStatuses;
          }
        return fastChecks(withVersions(q, target!, (v) => ({ errorRate: v === failing.version ? 1 : 0 })));
      },
    };
    // The sandbox's servers of the failing version: one per instance, or its mTLS inbound listener.
    const mtls = !!m.mtls(target);
    const servers = mtls ? 1 : failing.instances;
    const serverOf = (a: TAnswer) => (mtls ? a.version! : a.instance ?? a.version!);
    out.push({
      name,
      assertion,
      features: d.features,
      async run(ctx) {
        const probe = await kit.use(ctx, variant);
        if (hcActive) await settleChecks();
        const v = new Verdict();
        const others = t.units.filter((u) => u !== failing);
        const hit = (a: TAnswer) => a.service === failing.service && a.version === failing.version;
        const send = () => direct(probe, t.entry.to, t.req, t.as, { headers: { 'x-meshloom-latency': '0' } });
        // Warm-up, one request at a time: every endpoint of the failing version collects its errors.
        const errors = new Map<string, number>();
        let lastHitAt = performance.now();
        let quiet = 0;
        const t0 = performance.now();
        const maxSent = Math.ceil(((limit * servers) / failing.share) * 4) + 40;
        const calm = Math.max(10, samplesToSee(failing.share, 1e-3));
        for (let sent = 0; sent < maxSent && quiet < calm; sent++) {
          const a = await send();
          if (hit(a)) {
            errors.set(serverOf(a), (errors.get(serverOf(a)) ?? 0) + 1);
            lastHitAt = performance.now();
            quiet = 0;
          } else if (errors.size) quiet++;
        }
        const warmMs = lastHitAt - t0;
        // A passing health check (every ejection time while up) clears a count of errors in a row:
        // each one during the warm-up may add up to limit − 1 errors.
        const most = limit + (limit - 1) * (Math.floor(warmMs / scaled) + 1);
        const per = [...errors.entries()].map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
        const ejected = quiet >= calm && errors.size === servers && [...errors.values()].every((n) => n >= (exact ? limit : 1) && n <= most);
        v.check(
          ejected,
          `each of the ${servers} endpoint${servers > 1 ? 's' : ''} of ${failing.version} answers ${exact ? limit : `1–${limit}`} error${limit > 1 ? 's' : ''} in a row (up to ${most} when a passing health check cleared the count meanwhile), then gets no request`,
          `errors per endpoint: ${per}; ${quiet >= calm ? `none of the next ${calm} requests reached it` : `still reached after ${maxSent} requests`}`,
        );
        // Ejected: none of the next requests reaches it, the others answer.
        const n = Math.max(20, samplesToSee(failing.share, 1e-3));
        const after = await many(n, 4, send);
        const bad = after.filter((a) => hit(a) || (others.length ? a.status !== 200 : !(a.status === 503 && !a.service)));
        v.check(
          bad.length === 0,
          `while ejected, none of ${n} requests reaches ${failing.version}; ${others.length ? `${others.map((u) => u.version).join(', ')} answer` : 'the proxy answers 503 (no endpoint left)'}`,
          `answers: ${tally(after.map(who))}`,
        );
        if (hcActive) {
          v.note(`with an active health check on ${target}, the sandbox lets an ejected endpoint back after ${hcActive.active?.healthyThreshold} passing checks, not after the ejection time`);
          return v.outcome();
        }
        // Back after the ejection time.
        const burst = Math.max(1, Math.ceil(2 / failing.share));
        let backAt: number | undefined;
        const deadline = lastHitAt + scaled + lateMs(scaled) + 1000;
        while (performance.now() < deadline) {
          const got = await many(burst, 2, send);
          if (got.some(hit)) {
            backAt = performance.now();
            break;
          }
          await sleep(20);
        }
        const earliest = scaled * 0.8;
        if (backAt === undefined) v.check(false, `${failing.version} receives requests again within ${sec(scaled + lateMs(scaled))} of its ejection`, `still ejected after ${sec(performance.now() - lastHitAt)}`);
        else {
          const outMs = backAt - lastHitAt;
          v.check(outMs >= earliest && outMs <= scaled + lateMs(scaled), `${failing.version} stays out for the ejection time: back after ${sec(earliest)}–${sec(scaled + lateMs(scaled))}`, `${failing.version} back after ${sec(outMs)}`);
        }
        return v.outcome();
      },
    });
  }
  return out;
}

export function activeHealthCheckSteps(kit: BehaviourKit): TPlannedStep[] {
  const m = kit.model;
  const out: TPlannedStep[] = [];
  for (const p of m.policies) {
    if (p.kind !== 'HealthCheck' || !p.active) continue;
    const a = p.active;
    const target = p.target ?? (p.route ? m.routeNamed(p.route)?.service : undefined) ?? '?';
    const name = `active health check: ${target}`;
    const interval = ms(a.interval);
    const scaled = interval * Math.max(a.unhealthyThreshold, a.healthyThreshold) > kit.maxWaitMs / 2 ? CHECK_MS : interval;
    const assertion = `a version of ${target} whose ${a.path} answers 500 is taken out after ${a.unhealthyThreshold} failed checks every ${a.interval}${scaled !== interval ? ` (scaled to ${sec(scaled)} for this run)` : ''} — no request reaches it while the others answer — and is back ${a.healthyThreshold} passing checks after it is healthy again (on the pattern without its circuit breakers and rate limits)`;
    const s = m.services.get(target);
    if (!s) {
      out.push(skipped(name, assertion, ['health-check-active'], m.externals.has(target) ? `${target} is an external service: it has no local stand-in in the sandbox` : `${target} is not a service with workloads`));
      continue;
    }
    if (!m.isHttp(s)) {
      out.push(skipped(name, assertion, ['health-check-active', 'tcp'], `${target} is a TCP service: the sample workload cannot fail a health check on demand there`));
      continue;
    }
    if (a.path === '/health') {
      out.push(skipped(name, assertion, ['health-check-active'], 'the sample workload always answers /health with 200 (its own liveness endpoint): a failing health check cannot be provoked on that path'));
      continue;
    }
    if (a.expectedStatuses?.includes(500)) {
      out.push(skipped(name, assertion, ['health-check-active'], 'the check accepts 500, the only failure the sample workload can give'));
      continue;
    }
    const t = targetRule(kit, target);
    if ('why' in t) {
      out.push(skipped(name, assertion, ['health-check-active'], t.why));
      continue;
    }
    const failing = failingUnit(kit, t.units);
    const tune = (p0: TPattern, rate: number) => {
      const q = fastChecks(QUIET.make!(p0));
      for (const x of q.spec.policies) if (x.kind === 'HealthCheck' && x.active && x.target === p.target && x.route === p.route) x.active.interval = goDuration(scaled);
      return withVersions(q, target, (v) => ({ errorRate: v === failing.version ? rate : 0 }));
    };
    const sick: TVariant = { key: `hc-sick-${target}`, make: (p0) => tune(p0, 1) };
    const healthy: TVariant = { key: `hc-healthy-${target}`, make: (p0) => tune(p0, 0) };
    out.push({
      name,
      assertion,
      features: ['health-check-active'],
      async run(ctx) {
        const v = new Verdict();
        const others = t.units.filter((u) => u !== failing);
        let probe = await kit.use(ctx, sick);
        await settleChecks(Math.max(CHECK_MS, scaled));
        const t0 = performance.now();
        // The step's own requests ask the workloads not to fail (x-meshloom-error-rate: 0): only the
        // proxy's checks see the failing version fail, and an answer shows whether it was in rotation.
        const send = () => direct(probe, t.entry.to, t.req, t.as, { headers: CALM });
        const hit = (a: TAnswer) => a.service === failing.service && a.version === failing.version;
        const n = Math.max(20, samplesToSee(failing.share, 1e-3));
        // Out after unhealthyThreshold failed checks (the first check may come up to one interval after the start).
        const outBy = scaled * (a.unhealthyThreshold + 1) + lateMs(scaled) + 200;
        let outAt: number | undefined;
        while (performance.now() - t0 < outBy + 1000) {
          const got = await many(n, 4, send);
          if (!got.some(hit)) {
            outAt = performance.now() - t0;
            break;
          }
          await sleep(scaled / 2);
        }
        v.check(outAt !== undefined && outAt <= outBy, `${failing.version} gets no request within ${sec(outBy)} of failing its ${a.path} checks`, outAt === undefined ? `${failing.version} still receives requests after ${sec(performance.now() - t0)}` : `none reached ${failing.version} from ${sec(outAt)} on`);
        const after = await many(n, 4, send);
        const bad = after.filter((x) => hit(x) || (others.length ? x.status !== 200 : !(x.status === 503 && !x.service)));
        v.check(bad.length === 0, `while it is out, requests are answered by ${others.length ? others.map((u) => u.version).join(', ') : 'the proxy (503: no endpoint left)'}`, `answers: ${tally(after.map(who))}`);
        // Healthy again: back after healthyThreshold passing checks.
        probe = await kit.use(ctx, healthy);
        const t1 = performance.now();
        const backBy = scaled * (a.healthyThreshold + 1) + lateMs(scaled) + 500;
        let backAt: number | undefined;
        while (performance.now() - t1 < backBy + 1000) {
          const got = await many(Math.max(1, Math.ceil(2 / failing.share)), 2, send);
          if (got.some(hit)) {
            backAt = performance.now() - t1;
            break;
          }
          await sleep(20);
        }
        v.check(backAt !== undefined && backAt <= backBy, `${failing.version} receives requests again within ${sec(backBy)} of passing its checks`, backAt === undefined ? `${failing.version} still out after ${sec(performance.now() - t1)}` : `back after ${sec(backAt)}`);
        return v.outcome();
      },
    });
  }
  return out;
}

export function localitySteps(kit: BehaviourKit): TPlannedStep[] {
  const m = kit.model;
  const out: TPlannedStep[] = [];
  for (const p of m.policies) {
    if (p.kind !== 'LocalityFailover') continue;
    const target = p.target ?? (p.route ? m.routeNamed(p.route)?.service : undefined) ?? '?';
    const name = `locality failover: ${target}`;
    const primary = p.failover[0]?.from;
    const to = p.failover[0]?.to;
    const assertion = `while healthy, requests to ${target} stay in region ${primary ?? '(first failover source)'}; when every endpoint there fails and is ejected, they go to ${to ?? 'the failover region'}`;
    const s = m.services.get(target);
    if (!s || !m.isHttp(s)) {
      out.push(skipped(name, assertion, ['locality-failover'], `${target} is not an HTTP service with workloads`));
      continue;
    }
    if (!primary || !to) {
      out.push(skipped(name, assertion, ['locality-failover'], 'the policy names no failover regions (failoverPriority only): the sandbox orders endpoints by the failover list'));
      continue;
    }
    const t = targetRule(kit, target);
    if ('why' in t) {
      out.push(skipped(name, assertion, ['locality-failover'], t.why));
      continue;
    }
    const region = (u: TUnit) => s.versions.find((v) => v.name === u.version)?.locality?.split('/')[0];
    const local = t.all.filter((u) => region(u) === primary);
    const remote = t.all.filter((u) => region(u) === to);
    if (local.length === 0 || remote.length === 0) {
      out.push(skipped(name, assertion, ['locality-failover'], `${t.label} has no endpoint in ${local.length ? to : primary}`));
      continue;
    }
    const cb = m.policiesFor('CircuitBreaker', target)[0];
    const failover: TVariant = {
      key: `failover-${target}`,
      make: (p0) => {
        const q = QUIET.make!(p0);
        if (cb) q.spec.policies.push({ ...structuredClone(cb), ejectionTime: goDuration(Math.min(ms(cb.ejectionTime), 30_000)) });
        return fastChecks(withVersions(q, target, (v) => ({ errorRate: local.some((u) => u.version === v) ? 1 : 0 })));
      },
    };
    out.push({
      name,
      assertion: `${assertion}${cb ? ' (the circuit breaker ejects them)' : ''}`,
      features: ['locality-failover'],
      async run(ctx) {
        const v = new Verdict();
        let probe = await kit.use(ctx, QUIET);
        const n = 30;
        const healthy = await many(n, 4, () => direct(probe, t.entry.to, t.req, t.as, { headers: CALM }));
        // Backends with endpoints in the primary region send nothing elsewhere; a backend that names another region keeps its share (the split step checks it).
        const active = t.all.filter((u) => u.share > 0);
        const stray = healthy.filter((a) => !active.some((u) => u.service === a.service && u.version === a.version));
        v.check(
          stray.length === 0,
          `all ${n} requests answered by ${active.map((u) => `${u.version} (${s.versions.find((x) => x.name === u.version)?.locality ?? 'no locality'})`).join(', ')}: no endpoint outside ${primary} takes a backend's traffic while the backend has endpoints in ${primary}`,
          `answers: ${tally(healthy.map(who))}`,
        );
        if (!cb) {
          v.note(`without a circuit breaker on ${target} nothing ejects the failing primary endpoints`);
          return v.outcome();
        }
        probe = await kit.use(ctx, failover);
        await settleChecks();
        const send = () => direct(probe, t.entry.to, t.req, t.as, { headers: { 'x-meshloom-latency': '0' } });
        const k = local.reduce((x, u) => x + serversOf(kit, u), 0);
        for (let i = 0; i < k * cb.consecutiveErrors * 3 + 10; i++) await send();
        const after = await many(n, 4, send);
        const inRemote = after.filter((a) => a.status === 200 && remote.some((u) => u.service === a.service && u.version === a.version));
        v.check(inRemote.length === n, `once ${primary} is ejected, all ${n} requests answered in ${to} (${remote.map((u) => u.version).join(', ')})`, `answers: ${tally(after.map(who))}`);
        return v.outcome();
      },
    });
  }
  return out;
}
