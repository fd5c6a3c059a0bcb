/**
 * Routing steps, per entry (a service with mesh routes, or a plain-HTTP gateway listener):
 * - `routing`: a request built for each rule (from its matches, so it reaches no earlier rule)
 *   lands on that rule's destination, with its rewrite, redirect and header operations; a request
 *   without the matches falls through to where the pattern sends it;
 * - `split`: for each rule with several backends, the share of N requests each backend answers
 *   matches its weight within an exact binomial tolerance.
 */
import type { TFeature } from '@/patterns/language/features';
import type { TRouteRule } from '@/patterns/language/schema';
import { describeExpectation, expectationOf, judge, probeHeaders } from './expect';
import { BehaviourKit, QUIET, QUIET_NOTE, skip, skipped, type TPlannedStep, Verdict } from './kit';
import { pathWithQuery, type TEntry, type TReq } from './model';
import { binomialInterval, FALSE_FAILURE, pct } from './stats';
import { direct, many, tally, who } from './traffic';

/** Neutralizes the latency and error rate a pattern gives its versions: routing checks look at where requests land. */
export const CALM = { 'x-meshloom-latency': '0', 'x-meshloom-error-rate': '0' };

const SAMPLES_PER_RULE = 3;
const SPLIT_SAMPLES = 200;

export function ruleFeatures(route: { service: string }, rules: TRouteRule[]): TFeature[] {
  const f = new Set<TFeature>();
  for (const rule of rules) {
    for (const m of rule.match) {
      if (m.headers) f.add('header-match');
      if (m.path) f.add('path-match');
      if (m.method) f.add('method-match');
      if (m.query) f.add('query-match');
      if (m.from) f.add('source-match');
    }
    if (rule.backends.some((b) => b.service && b.service !== route.service)) f.add('cross-service-routing');
    if (rule.rewrite) f.add('rewrite');
    if (rule.redirect) f.add('redirect');
    if (rule.headers) f.add('header-modification');
  }
  return [...f];
}

const entryTitle = (e: TEntry) => (e.kind === 'service' ? e.name : `gateway ${e.to}`);

/** Who sends a request to an entry: null from outside, a service name (the identity), or undefined when nobody may. */
function senderOf(kit: BehaviourKit, entry: TEntry, req: Omit<TReq, 'source'>, from: string[] | undefined): string | null | undefined {
  if (entry.kind === 'gateway') return from?.length ? undefined : null;
  const as = kit.model.senderFor(entry.name, req, from?.[0]);
  if (from?.length && (as === null || as === undefined || !from.includes(as))) return undefined;
  return as;
}

function noSender(kit: BehaviourKit, entry: TEntry, label: string): string {
  return `${label}: no caller may send it through the mesh (authorization${kit.model.mtls(entry.name) === 'strict' ? ', strict mTLS' : ''})`;
}

/** Requests for rule i of an entry (one per reachable match) and who sends them, or why none can be sent. */
export function casesOf(kit: BehaviourKit, entry: TEntry, i: number): { label: string; req: TReq; as: string | null }[] | { why: string } {
  const ref = entry.rules[i]!;
  const reqs = kit.model.requestsFor(entry, i);
  if (reqs.length === 0) return { why: `${ref.label}: no request reaches it (an earlier rule takes every request its matches allow)` };
  const out: { label: string; req: TReq; as: string | null }[] = [];
  let why = '';
  for (const { from, match, ...req } of reqs) {
    const label = reqs.length > 1 || ref.rule.match.length > 1 ? `${ref.label} (match ${match + 1})` : ref.label;
    const as = senderOf(kit, entry, req, from);
    if (as === undefined) why = noSender(kit, entry, label);
    else out.push({ label, req: { ...req, source: as }, as });
  }
  return out.length ? out : { why };
}

/** The first request for rule i, or why there is none. */
export function caseOf(kit: BehaviourKit, entry: TEntry, i: number): { label: string; req: TReq; as: string | null } | { why: string } {
  const c = casesOf(kit, entry, i);
  return Array.isArray(c) ? c[0]! : c;
}

function routeStep(kit: BehaviourKit, entry: TEntry): TPlannedStep {
  const m = kit.model;
  const routes = [...new Set(entry.rules.map((r) => r.route))];
  const features = new Set<TFeature>(routes.flatMap((r) => ruleFeatures(r, r.rules)));
  if (entry.kind === 'gateway') features.add('ingress-gateway');
  return {
    name: `routing: ${entryTitle(entry)}`,
    assertion: `a request built for each rule of ${routes.map((r) => r.name ?? r.service).join(', ')} reaches that rule's destination (with its rewrite, redirect and header operations), and a request without the matches goes where the pattern sends it (${QUIET_NOTE})`,
    features: [...features],
    async run(ctx) {
      const probe = await kit.use(ctx, QUIET);
      const v = new Verdict();
      const seen = new Set<string>();
      const cases: { label: string; req: TReq; as: string | null }[] = [];
      entry.rules.forEach((_, i) => {
        const c = casesOf(kit, entry, i);
        if ('why' in c) v.note(c.why);
        else cases.push(...c);
      });
      // A request with none of the matches.
      const plain = { method: 'GET', path: '/', query: {}, headers: {}, ...(entry.kind === 'gateway' ? { host: cases[0]?.req.host ?? entry.rules[0]?.route.hosts?.[0] } : {}) };
      const plainAs = entry.kind === 'gateway' ? null : m.senderFor(entry.name, plain);
      if (plainAs !== undefined) cases.push({ label: 'a request without the matches', req: { ...plain, source: plainAs }, as: plainAs });
      for (const c of cases) {
        const key = JSON.stringify(c.req);
        if (seen.has(key)) continue;
        seen.add(key);
        const e = expectationOf(m, entry, c.req, c.as);
        if (e.kind === 'skip') {
          v.note(e.reason);
          continue;
        }
        const answers = await many(SAMPLES_PER_RULE, SAMPLES_PER_RULE, () => direct(probe, entry.to, c.req, c.as, { headers: { ...CALM, ...probeHeaders(e) } }));
        const problems = [...new Set(answers.flatMap((a) => judge(e, a)))];
        const what = `${c.label} (${c.req.method} ${pathWithQuery(c.req)}${Object.keys(c.req.headers).length ? ` ${Object.entries(c.req.headers).map(([k, x]) => `${k}: ${x}`).join(', ')}` : ''}${c.as ? ` as ${c.as}` : ''})`;
        const paths = e.kind === 'forward' && e.path !== undefined ? ` (path ${[...new Set(answers.map((a) => a.path))].join(', ')})` : '';
        v.check(problems.length === 0, `${what}: ${describeExpectation(e)}`, `${what}: ${problems.length ? problems.join(', ') : tally(answers.map(who)) + paths}`);
      }
      return v.outcome();
    },
  };
}

function splitStep(kit: BehaviourKit, entry: TEntry, i: number): TPlannedStep {
  const m = kit.model;
  const ref = entry.rules[i]!;
  const dest = m.destinations(entry, ref.rule);
  const label = (bi: number) => {
    const b = ref.rule.backends[bi]!;
    return `${b.service ?? ref.route.service}${b.version ? `/${b.version}` : ''}`;
  };
  const weights = ref.rule.backends.map((b, bi) => `${label(bi)} ${dest.weighted ? `${b.weight}%` : pct(1 / ref.rule.backends.length)}`).join(', ');
  return {
    name: `split: ${ref.label}`,
    assertion: `of ${SPLIT_SAMPLES} requests to ${ref.label}, each backend answers its share (${weights}) within an exact binomial tolerance (false failure < ${FALSE_FAILURE}) (${QUIET_NOTE})`,
    features: ['traffic-split'],
    async run(ctx) {
      if (dest.external) return skip(`${ref.label} sends ${ref.rule.backends.find((b) => b.service === dest.external)?.weight ?? 'a share'}% to external service ${dest.external}, which has no local stand-in in the sandbox: its share cannot be observed`);
      const c = caseOf(kit, entry, i);
      if ('why' in c) return skip(c.why);
      const e = expectationOf(m, entry, c.req, c.as);
      if (e.kind === 'skip') return skip(e.reason);
      if (e.kind !== 'forward' || e.status !== 200) return skip(`${ref.label}: requests do not reach the backends (${describeExpectation(e)})`);
      const probe = await kit.use(ctx, QUIET);
      const answers = await many(SPLIT_SAMPLES, 8, () => direct(probe, entry.to, c.req, c.as, { headers: CALM }));
      // Groups: one per backend when their units are disjoint, else one per unit.
      const unitKey = (s: string, v: string) => `${s}/${v}`;
      const byBackend = new Map<number, Set<string>>();
      for (const u of dest.units) {
        const set = byBackend.get(u.backend) ?? new Set<string>();
        set.add(unitKey(u.service, u.version));
        byBackend.set(u.backend, set);
      }
      const all = [...byBackend.values()].flatMap((s) => [...s]);
      const disjoint = new Set(all).size === all.length;
      const groups = disjoint
        ? [...byBackend.entries()].map(([bi, keys]) => ({ label: label(bi), keys, p: dest.units.filter((u) => u.backend === bi).reduce((n, u) => n + u.share, 0) }))
        : [...new Set(all)].map((k) => ({ label: k, keys: new Set([k]), p: dest.units.filter((u) => unitKey(u.service, u.version) === k).reduce((n, u) => n + u.share, 0) }));
      const v = new Verdict();
      const alpha = FALSE_FAILURE / groups.length;
      for (const g of groups) {
        const n = answers.filter((a) => a.status === 200 && a.service && g.keys.has(unitKey(a.service, a.version ?? ''))).length;
        const [lo, hi] = binomialInterval(SPLIT_SAMPLES, g.p, alpha);
        v.check(n >= lo && n <= hi, `${g.label}: ${pct(g.p)} of ${SPLIT_SAMPLES} (${lo}–${hi} requests)`, `${g.label}: ${n}/${SPLIT_SAMPLES} (${pct(n / SPLIT_SAMPLES)})`);
      }
      const stray = answers.filter((a) => !(a.status === 200 && a.service && groups.some((g) => g.keys.has(unitKey(a.service!, a.version ?? '')))));
      v.check(stray.length === 0, 'every request answered by one of the backends', stray.length ? `${stray.length} answered otherwise: ${tally(stray.map(who))}` : 'no other answers');
      return v.outcome();
    },
  };
}

export function routingSteps(kit: BehaviourKit): TPlannedStep[] {
  const m = kit.model;
  const out: TPlannedStep[] = [];
  for (const s of m.pattern.spec.services) {
    const entry = m.serviceEntry(s.name);
    if (entry.rules.length === 0) continue;
    const routes = [...new Set(entry.rules.map((r) => r.route))];
    if (!m.isHttp(s)) {
      const f = new Set<TFeature>(routes.flatMap((r) => ruleFeatures(r, r.rules)));
      if (entry.rules.some((r) => r.rule.backends.length > 1)) f.add('traffic-split');
      out.push(skipped(`routing: ${s.name}`, `requests to ${s.name} reach the destinations of its routes`, [...f, 'tcp'], `${s.name} is a TCP service: the sandbox proxies its connections (mode tcp), and the sample workload only answers HTTP requests, so per-request routing cannot be observed`));
      continue;
    }
    out.push(routeStep(kit, entry));
    entry.rules.forEach((r, i) => {
      if (r.rule.backends.length > 1) out.push(splitStep(kit, entry, i));
    });
  }
  for (const g of m.gatewayEntries()) {
    const routes = m.pattern.spec.routes.filter((r) => r.gateway === g.gateway.name);
    const f = new Set<TFeature>(routes.flatMap((r) => ruleFeatures(r, r.rules)));
    if (routes.some((r) => r.rules.some((x) => x.backends.length > 1))) f.add('traffic-split');
    if (g.skip || !g.entry) {
      const tls = g.gateway.listeners.filter((l) => l.port === g.port).some((l) => l.tls?.mode === 'passthrough') ? 'tls-passthrough' : 'tls-termination';
      out.push(skipped(`routing: gateway ${g.gateway.name}:${g.port}`, `requests through gateway ${g.gateway.name} reach the destinations of its routes`, [...f, 'ingress-gateway', tls as TFeature], g.skip ?? 'no listener'));
      continue;
    }
    if (g.entry.rules.length === 0) continue;
    out.push(routeStep(kit, g.entry));
    g.entry.rules.forEach((r, i) => {
      if (r.rule.backends.length > 1) out.push(splitStep(kit, g.entry!, i));
    });
  }
  return out;
}
