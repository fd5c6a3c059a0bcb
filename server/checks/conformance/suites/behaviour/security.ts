/**
 * mTLS and authorization, with the sample workloads calling through the mesh (`/call/`), so the
 * identity the destination sees is the one the mesh gives the caller:
 * - mTLS strict: a request without a mesh certificate (from outside, no identity) is refused —
 *   the proxy cannot open TLS to the destination's inbound listener, which requires a client
 *   certificate (503), or the authorization refuses it first (403); a declared caller gets
 *   through and the destination sees the caller's identity (from its certificate);
 *   permissive: plaintext from outside is accepted too.
 * - Authorization: for callers and requests built from the policies' own rules (sources,
 *   paths, methods), allowed ones are answered and the others get 403 from the proxy — the
 *   decision computed from the pattern (deny rules first, then any allow rule; an allow policy
 *   without rules allows nothing).
 */
import { expectationOf } from './expect';
import { BehaviourKit, QUIET, QUIET_NOTE, skipped, type TPlannedStep, Verdict } from './kit';
import { pickMethod, type TReq } from './model';
import { CALM } from './routing';
import { direct, viaWorkload, who } from './traffic';

const plainReq = (method = 'GET', path = '/'): Omit<TReq, 'source'> => ({ method, path, query: {}, headers: {} });

/** Requests built from the authorization rules that apply to a service (plus GET / and near misses: another method, another path). */
function authzShapes(kit: BehaviourKit, service: string): Omit<TReq, 'source'>[] {
  const shapes: Omit<TReq, 'source'>[] = [plainReq()];
  for (const p of kit.model.policiesFor('Authorization', service))
    for (const r of p.rules) {
      const paths = (r.to?.paths ?? ['/']).map((x) => (x.endsWith('*') ? `${x.slice(0, -1).replace(/\/$/, '')}/meshloom` : x));
      const methods = r.to?.methods?.length ? r.to.methods : ['GET'];
      for (const path of paths.slice(0, 2)) {
        shapes.push(plainReq(pickMethod(methods), path));
        const other = ['GET', 'POST', 'DELETE', 'PUT'].find((x) => !methods.includes(x as never));
        if (r.to?.methods?.length && other) shapes.push(plainReq(other, path));
      }
      if (r.to?.paths?.length) shapes.push(plainReq(pickMethod(methods), '/meshloom-elsewhere'));
    }
  return [...new Map(shapes.map((x) => [`${x.method} ${x.path}`, x])).values()];
}

export function mtlsSteps(kit: BehaviourKit): TPlannedStep[] {
  const m = kit.model;
  const services = m.pattern.spec.services.filter((s) => m.mtls(s.name));
  if (services.length === 0) return [];
  const out: TPlannedStep[] = [];
  const tcp = services.filter((s) => !m.isHttp(s));
  if (tcp.length) out.push(skipped(`mTLS: ${tcp.map((s) => s.name).join(', ')}`, 'TCP services under mTLS accept only mesh callers', ['mtls', 'tcp'], `${tcp.map((s) => s.name).join(', ')}: TCP services are proxied as connections, and the sample workload answers HTTP requests`));
  const http = services.filter((s) => m.isHttp(s));
  if (http.length === 0) return out;
  const modes = http.map((s) => `${s.name} ${m.mtls(s.name)}`).join(', ');
  out.unshift({
    name: `mTLS: ${http.map((s) => s.name).join(', ')}`,
    assertion: `(${modes}) a request without a mesh certificate is refused under strict mode (503: no TLS to the inbound listener without a client certificate, or 403 from the authorization first) and answered under permissive mode; a declared caller, calling from its workload, gets through and the destination sees the caller's identity from its certificate (${QUIET_NOTE})`,
    features: ['mtls'],
    async run(ctx) {
      const probe = await kit.use(ctx, QUIET);
      const v = new Verdict();
      await Promise.all(http.map(async (s) => {
        const mode = m.mtls(s.name);
        const entry = m.serviceEntry(s.name);
        const req = plainReq();
        const e = expectationOf(m, entry, { ...req, source: null }, null);
        if (e.kind !== 'forward' || !e.units.some((u) => m.mtls(u.service))) {
          v.note(`${s.name}: GET / does not reach a workload under mTLS (${e.kind === 'skip' ? e.reason : e.kind})`);
          return;
        }
        const anon = m.authorize(s.name, null, req);
        const a = await direct(probe, s.name, req, null, { headers: CALM });
        if (mode === 'strict') {
          // 503 when the handshake fails, 502 when TLS 1.3 lets it finish and the listener then drops the connection for the missing certificate.
          const ok = anon === 'deny' ? a.status === 403 : a.status === 502 || a.status === 503;
          v.check(ok && !a.service, `${s.name} (strict), no certificate: ${anon === 'deny' ? '403 from the proxy (authorization)' : '502/503 from the proxy (TLS to the inbound listener refused without a client certificate)'}`, `${s.name} (strict), no certificate: ${a.status} from ${who(a)}`);
        } else {
          const want = anon === 'deny' ? 403 : e.status;
          v.check(a.status === want && (want !== 200 || !!a.service), `${s.name} (permissive), plaintext from outside: ${want}`, `${s.name} (permissive), plaintext from outside: ${a.status} from ${who(a)}`);
        }
        // Declared callers, each with a request its policies allow.
        const shapes = authzShapes(kit, s.name);
        const callers = m.callersOf(s.name).flatMap((c) => {
          const r = shapes.find((x) => m.authorize(s.name, c, x) === 'allow');
          if (!r) return [];
          const ce = expectationOf(m, entry, { ...r, source: c }, c);
          return ce.kind === 'forward' && ce.units.some((u) => m.mtls(u.service)) ? [{ c, r, want: ce.status }] : [];
        });
        if (callers.length === 0) {
          v.note(`${s.name}: no declared caller is allowed to call it`);
          return;
        }
        for (const { c, r, want } of callers.slice(0, 2)) {
          const b = await viaWorkload(probe, c, s.name, r, { headers: CALM });
          v.check(
            b.status === want && (want !== 200 || b.source === c),
            `${c} → ${r.method} ${s.name}${r.path}: ${want}${want === 200 ? `, the workload sees caller ${c}` : ''}`,
            `${c} → ${r.method} ${s.name}${r.path}: ${b.status} from ${who(b)}${b.source ? `, caller seen as ${b.source}` : ''}`,
          );
        }
      }));
      return v.outcome();
    },
  });
  return out;
}

interface TAuthzCase {
  caller: string | null;
  req: Omit<TReq, 'source'>;
  decision: 'allow' | 'deny';
  want: number;
}

export function authorizationSteps(kit: BehaviourKit): TPlannedStep[] {
  const m = kit.model;
  const out: TPlannedStep[] = [];
  const features = (ps: ReturnType<typeof m.policiesFor<'Authorization'>>) => (ps.some((p) => p.rules.some((r) => r.to?.paths?.length || r.to?.methods?.length)) ? (['authorization-source', 'authorization-request'] as const) : (['authorization-source'] as const));
  for (const g of m.pattern.spec.gateways) {
    const ps = m.policiesFor('Authorization', g.name);
    if (ps.some((p) => p.target === g.name)) out.push(skipped(`authorization: gateway ${g.name}`, `gateway ${g.name} admits only what its policies allow`, [...features(ps)], `callers of a gateway come from outside the mesh and carry no mesh identity; the probe checks authorization between services`));
  }
  for (const p of m.policies) {
    if (p.kind === 'Authorization' && p.target && m.externals.has(p.target)) out.push(skipped(`authorization: ${p.target}`, `${p.target} admits only what its policies allow`, [...features([p])], `${p.target} is an external service: it has no local stand-in in the sandbox`));
  }
  for (const s of m.pattern.spec.services) {
    const ps = m.policiesFor('Authorization', s.name);
    if (ps.length === 0) continue;
    const name = `authorization: ${s.name}`;
    if (!m.isHttp(s)) {
      out.push(skipped(name, `${s.name} admits only what its policies allow`, [...features(ps), 'tcp'], `${s.name} is a TCP service: the sample workload answers HTTP requests, and connection-level authorization is not observable per request`));
      continue;
    }
    const strict = m.mtls(s.name) === 'strict';
    const entry = m.serviceEntry(s.name);
    const uniqueShapes = authzShapes(kit, s.name);
    const callers: (string | null)[] = [...m.callersOf(s.name), ...m.pattern.spec.services.map((x) => x.name).filter((x) => x !== s.name && !m.callersOf(s.name).includes(x)), null];
    const all: TAuthzCase[] = [];
    for (const caller of callers)
      for (const req of uniqueShapes) {
        const decision = m.authorize(s.name, caller, req);
        // Under strict mTLS only declared callers hold a certificate for this service; others are refused by TLS, not by the policy.
        if (strict && decision === 'allow' && (caller === null || !m.callersOf(s.name).includes(caller))) continue;
        let want = 403;
        if (decision === 'allow') {
          const e = expectationOf(m, entry, { ...req, source: caller }, caller);
          if (e.kind === 'skip') continue;
          want = e.status;
        }
        all.push({ caller, req, decision, want });
      }
    const pick = (xs: TAuthzCase[], n: number) => {
      const chosen: TAuthzCase[] = [];
      const callersSeen = new Set<string | null>();
      const shapesSeen = new Set<string>();
      for (const pass of [0, 1, 2])
        for (const x of xs) {
          if (chosen.length >= n || chosen.includes(x)) continue;
          const k = `${x.req.method} ${x.req.path}`;
          if (pass === 0 && (callersSeen.has(x.caller) || shapesSeen.has(k))) continue;
          if (pass === 1 && callersSeen.has(x.caller) && shapesSeen.has(k)) continue;
          chosen.push(x);
          callersSeen.add(x.caller);
          shapesSeen.add(k);
        }
      return chosen;
    };
    const cases = [...pick(all.filter((x) => x.decision === 'allow'), 6), ...pick(all.filter((x) => x.decision === 'deny'), 6)];
    const assertion = `requests to ${s.name} from callers (their workloads calling through the mesh) are allowed or refused with 403 as its ${ps.length} authorization polic${ps.length > 1 ? 'ies' : 'y'} decide (deny rules first, then any allow rule; an allow policy without rules allows nothing) (${QUIET_NOTE})`;
    if (cases.length === 0) {
      out.push(skipped(name, assertion, [...features(ps)], `no caller can send ${s.name} a request whose outcome is decided by the policies alone`));
      continue;
    }
    out.push({
      name,
      assertion,
      features: [...features(ps)],
      async run(ctx) {
        const probe = await kit.use(ctx, QUIET);
        const v = new Verdict();
        const answers = await Promise.all(cases.map((c) => (c.caller === null ? direct(probe, s.name, c.req, null, { headers: CALM }) : viaWorkload(probe, c.caller, s.name, c.req, { headers: CALM }))));
        cases.forEach((c, i) => {
          const a = answers[i]!;
          const what = `${c.caller ?? 'outside (no identity)'} → ${c.req.method} ${c.req.path}`;
          const ok = c.decision === 'deny' ? a.status === 403 && !a.service : a.status === c.want;
          v.check(ok, `${what}: ${c.decision === 'deny' ? '403 (denied)' : `${c.want} (allowed)`}`, `${what}: ${a.status} from ${who(a)}`);
        });
        return v.outcome();
      },
    });
  }
  return out;
}
