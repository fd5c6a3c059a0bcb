/**
 * Fault injection: of N requests that the fault applies to, the share aborted with the fault's
 * status (answered by the proxy, not a workload) and the share delayed by the fault's duration
 * lie within exact binomial tolerances of the configured percentages (false failure < 1e-6 for
 * the step); a delayed request takes the delay plus at most the tolerance; a request the fault
 * does not apply to (without the rule's matches) is neither aborted nor delayed.
 */
import type { TFeature } from '@/patterns/language/features';
import type { TRouteRule } from '@/patterns/language/schema';
import { BehaviourKit, EARLY_MS, lateMs, QUIET, QUIET_NOTE, skipped, type TPlannedStep, Verdict } from './kit';
import { ms, pathWithQuery, sec, type TEntry, type TReq } from './model';
import { CALM, caseOf } from './routing';
import { binomialInterval, FALSE_FAILURE, pct, samplesToSee } from './stats';
import { direct, many, tally, type TAnswer, who } from './traffic';

type TFault = NonNullable<TRouteRule['fault']>;

interface TFaultCase {
  label: string;
  entry: TEntry;
  /** Rule the fault is on (rule faults), or a rule of the route (route-attached policy), or undefined (whole frontend). */
  rule?: number;
  fault: TFault;
  /** Whether requests without the rule's matches must be unaffected. */
  control: boolean;
}

export function faultSteps(kit: BehaviourKit): TPlannedStep[] {
  const m = kit.model;
  const out: TPlannedStep[] = [];
  const cases: TFaultCase[] = [];
  const entries: TEntry[] = [...m.pattern.spec.services.filter((s) => m.isHttp(s)).map((s) => m.serviceEntry(s.name)), ...m.gatewayEntries().flatMap((g) => (g.entry ? [g.entry] : []))];
  for (const entry of entries) {
    entry.rules.forEach((r, i) => {
      if (r.rule.fault) cases.push({ label: r.label, entry, rule: i, fault: r.rule.fault, control: r.rule.match.length > 0 });
    });
  }
  for (const p of m.policies) {
    if (p.kind !== 'FaultInjection') continue;
    const fault: TFault = { ...(p.abort ? { abort: p.abort } : {}), ...(p.delay ? { delay: p.delay } : {}) };
    const on = p.target ?? p.route ?? '?';
    const features: TFeature[] = [...(p.abort ? ['fault-abort' as const] : []), ...(p.delay ? ['fault-delay' as const] : [])];
    if (p.route) {
      const route = m.routeNamed(p.route);
      const entry = entries.find((e) => e.rules.some((r) => r.route === route));
      const i = entry?.rules.findIndex((r) => r.route === route) ?? -1;
      if (!entry || i < 0) {
        out.push(skipped(`faults: ${on}`, `requests of route ${on} get the injected faults`, features, `route ${on} is not reachable by the probe (TCP service or TLS gateway)`));
        continue;
      }
      cases.push({ label: `route ${p.route}`, entry, rule: i, fault, control: false });
    } else {
      const entry = entries.find((e) => e.name === on);
      if (!entry) {
        out.push(skipped(`faults: ${on}`, `requests to ${on} get the injected faults`, features, m.externals.has(on) ? `${on} is an external service: it has no local stand-in in the sandbox` : `${on} is not reachable by the probe (TCP service or TLS gateway)`));
        continue;
      }
      cases.push({ label: on, entry, fault, control: false });
    }
  }
  for (const c of cases) out.push(faultStep(kit, c));
  return out;
}

function faultStep(kit: BehaviourKit, c: TFaultCase): TPlannedStep {
  const m = kit.model;
  const { abort, delay } = c.fault;
  const features: TFeature[] = [...(abort ? ['fault-abort' as const] : []), ...(delay ? ['fault-delay' as const] : [])];
  const ps = [abort?.percentage, delay?.percentage].filter((p): p is number => p !== undefined && p > 0);
  const partial = ps.filter((p) => p < 100);
  const n = partial.length ? Math.min(300, Math.max(20, samplesToSee(Math.min(...partial) / 100, FALSE_FAILURE))) : 4;
  const d = delay ? ms(delay.fixedDelay) : 0;
  const parts = [abort && `${abort.percentage}% aborted with ${abort.httpStatus}`, delay && `${delay.percentage}% delayed by ${delay.fixedDelay}`].filter(Boolean).join(', ');
  const name = `faults: ${c.label}`;
  const assertion = `of ${n} requests to ${c.label}: ${parts} (exact binomial tolerance, false failure < ${FALSE_FAILURE}; a delayed request takes the delay + at most ${sec(lateMs(d))})${c.control ? '; requests without the matches are not affected' : ''} (${QUIET_NOTE})`;
  if (delay && delay.percentage > 0 && d > kit.maxWaitMs) return skipped(name, assertion, features, `the delay of ${delay.fixedDelay} is longer than the ${sec(kit.maxWaitMs)} this run waits (set MESHLOOM_BEHAVIOUR_MAX_WAIT_MS to check it)`);
  let target: { req: TReq; as: string | null } | undefined;
  if (c.rule !== undefined) {
    const k = caseOf(kit, c.entry, c.rule);
    if ('why' in k) return skipped(name, assertion, features, k.why);
    target = k;
  } else {
    const base = { method: 'GET', path: '/', query: {}, headers: {} };
    const as = c.entry.kind === 'gateway' ? null : m.senderFor(c.entry.name, base);
    if (as === undefined) return skipped(name, assertion, features, `no caller may send requests to ${c.label} through the mesh`);
    target = { req: { ...base, source: as }, as };
  }
  const t = target;
  return {
    name,
    assertion,
    features,
    async run(ctx) {
      const probe = await kit.use(ctx, QUIET);
      const v = new Verdict();
      const answers = await many(n, n, () => direct(probe, c.entry.to, t.req, t.as, { headers: CALM }));
      const aborted = (a: TAnswer) => !!abort && a.status === abort.httpStatus && !a.service;
      const delayed = (a: TAnswer) => !!delay && a.ms >= d - EARLY_MS;
      const checks = ps.length;
      if (abort) {
        const k = answers.filter(aborted).length;
        const [lo, hi] = binomialInterval(n, abort.percentage / 100, FALSE_FAILURE / checks);
        v.check(k >= lo && k <= hi, `${lo}–${hi} of ${n} aborted with ${abort.httpStatus} by the proxy (${abort.percentage}%)`, `${k}/${n} aborted (${pct(k / n)}); answers: ${tally(answers.map(who))}`);
      }
      if (delay) {
        const k = answers.filter(delayed).length;
        const [lo, hi] = binomialInterval(n, delay.percentage / 100, FALSE_FAILURE / checks);
        const late = answers.filter((a) => a.ms > d + lateMs(d));
        const times = answers.filter(delayed).map((a) => a.ms);
        v.check(
          k >= lo && k <= hi && late.length === 0,
          `${lo}–${hi} of ${n} delayed by ${delay.fixedDelay} (${delay.percentage}%), none longer than ${sec(d + lateMs(d))}`,
          `${k}/${n} delayed (${pct(k / n)})${times.length ? `, ${sec(Math.min(...times))}–${sec(Math.max(...times))}` : ''}${late.length ? `; ${late.length} took longer than ${sec(d + lateMs(d))}` : ''}`,
        );
      }
      const others = answers.filter((a) => !aborted(a) && a.status !== 200);
      v.check(others.length === 0, 'the requests not aborted are answered by a workload (200)', others.length ? `${tally(others.map(who))}` : `not aborted: ${tally(answers.filter((a) => !aborted(a)).map(who))}`);
      if (c.control && c.rule !== undefined) {
        const plain = { method: 'GET', path: '/', query: {}, headers: {}, ...(t.req.host ? { host: t.req.host } : {}) };
        const got = m.ruleFor(c.entry, { ...plain, source: t.as });
        const plainAs = c.entry.kind === 'gateway' ? null : m.senderFor(c.entry.name, plain);
        const ref = typeof got === 'number' ? c.entry.rules[got] : undefined;
        if (got !== c.rule && plainAs !== undefined && !ref?.rule.fault) {
          const ctl = await many(3, 3, () => direct(probe, c.entry.to, { ...plain, source: plainAs }, plainAs, { headers: CALM }));
          const hit = ctl.filter((a) => aborted(a) || delayed(a));
          v.check(hit.length === 0, `requests without the matches (${plain.method} ${pathWithQuery(plain)}) are neither aborted nor delayed`, `without the matches: ${tally(ctl.map(who))}, slowest ${sec(Math.max(...ctl.map((a) => a.ms)))}`);
        } else v.note('no request without the matches reaches a rule without faults');
      }
      return v.outcome();
    },
  };
}
