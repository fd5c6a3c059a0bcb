/**
 * Authorization as SMI access control (access.smi-spec.io/v1alpha3 TrafficTarget): SMI denies
 * traffic unless a TrafficTarget allows it. Each allow rule becomes a TrafficTarget from the
 * source services' ServiceAccounts to the destination service's ServiceAccount (the sample
 * workloads run as a ServiceAccount named after their service), limited to an HTTPRouteGroup
 * (paths/methods) or, for TCP services, a TCPRoute (ports).
 *
 * What SMI cannot say is reported and not rendered: deny rules (except deny-all, which is SMI's
 * default), sources by namespace, IP block or "any caller", and gateways/external services as
 * destinations. An allow policy without rules renders nothing: SMI then allows nothing.
 */
import type { TPolicy, TService } from '@/patterns/language/schema';
import { objectName } from '../shared/k8s';
import { applyingTo } from '../shared/pattern-index';
import { ACCESS_API, escapeRegex, type SmiContext, SPECS_API } from './context';

type TAuthz = Extract<TPolicy, { kind: 'Authorization' }>;
type TRule = TAuthz['rules'][number];

/**
 * An Authorization policy applies to a service it targets, whose route (not a gateway route) it
 * names, or whose namespace it names; one without target, route or namespace applies to all.
 * PatternIndex.attached groups the policies that way once per render.
 */
export function renderAccess(ctx: SmiContext): void {
  const policies = ctx.pattern.spec.policies;
  policies.forEach((p, pi) => {
    if (p.kind !== 'Authorization') return;
    const path = ['spec', 'policies', pi];
    if (p.target && ctx.kindOf(p.target) !== 'service') {
      ctx.approx(`Authorization on ${p.target}: SMI access control has ServiceAccounts of the mesh as destinations only; not rendered`, path, 'warning', 'authorization-source');
    }
    if (p.action === 'deny' && p.rules.length > 0) {
      ctx.approx('SMI access control is allow-only (deny by default): deny rules cannot be expressed; not rendered', path, 'warning', 'authorization-source');
    }
  });

  const unprotected: string[] = [];
  const authorizations = ctx.index.attached('Authorization', (name) => ctx.routes.get(name));
  for (const s of ctx.pattern.spec.services) {
    const applying = applyingTo(authorizations, s).map(({ p, i }) => ({ p, pi: i }));
    if (applying.length === 0) {
      unprotected.push(s.name);
      continue;
    }
    if (applying.some(({ p }) => p.action === 'deny' && p.rules.length === 0)) continue; // deny all = SMI's default
    for (const { p, pi } of applying) {
      if (p.action !== 'allow') continue;
      p.rules.forEach((rule, ri) => renderRule(ctx, s, rule, ['spec', 'policies', pi, 'rules', ri], objectName(ctx.patternName, s.name, `${pi}-${ri}`)));
    }
  }
  if (unprotected.length && unprotected.length < ctx.pattern.spec.services.length) {
    ctx.approx(
      `SMI denies traffic that no TrafficTarget allows: ${unprotected.join(', ')} (no Authorization policy) are reachable only when the SMI implementation runs in permissive traffic mode`,
      ['spec', 'policies'],
      'info',
      'authorization-source',
    );
  }
}

function renderRule(ctx: SmiContext, s: TService, rule: TRule, path: (string | number)[], name: string): void {
  const from = rule.from ?? {};
  const lost: string[] = [];
  if (from.namespaces?.length) lost.push('namespaces');
  if (from.ipBlocks?.length) lost.push('ipBlocks');
  const services = (from.services ?? []).filter((x) => x !== '*');
  if (from.services?.includes('*')) lost.push('"*"');
  if (services.length === 0) {
    ctx.approx(
      `SMI sources are ServiceAccounts: a rule ${lost.length ? `with ${lost.join(', ')}` : 'without source services'} cannot be expressed; not rendered`,
      [...path, 'from'],
      'warning',
      'authorization-source',
    );
    return;
  }
  if (lost.length) ctx.approx(`SMI sources are ServiceAccounts: ${lost.join(', ')} of this rule not rendered (only the listed services are allowed)`, [...path, 'from'], 'warning', 'authorization-source');
  const sources = services.map((name) => ({ kind: 'ServiceAccount', name, namespace: ctx.services.get(name)?.namespace ?? s.namespace }));
  const destination = { kind: 'ServiceAccount', name: s.name, namespace: s.namespace };

  let spec: { kind: string; name: string; matches?: string[] };
  if (s.protocol === 'tcp') {
    if (rule.to?.paths?.length || rule.to?.methods?.length) ctx.approx(`${s.name} is TCP: paths/methods cannot apply; the rule allows its ports`, [...path, 'to'], 'warning', 'authorization-request');
    const ports = rule.to?.ports?.length ? rule.to.ports : s.ports.map((p) => p.port);
    const targetPorts = ports.map((port) => s.ports.find((p) => p.port === port)?.targetPort ?? (s.ports.some((p) => p.port === port) ? 8080 : port));
    ctx.push({ apiVersion: SPECS_API, kind: 'TCPRoute', metadata: { name, namespace: s.namespace }, spec: { matches: { ports: [...new Set(targetPorts)] } } });
    spec = { kind: 'TCPRoute', name };
  } else {
    if (rule.to?.ports?.length) ctx.approx('an HTTPRouteGroup has no ports: the rule applies to every port', [...path, 'to', 'ports'], 'warning', 'authorization-request');
    const paths = rule.to?.paths?.length ? rule.to.paths : [undefined];
    const methods = rule.to?.methods?.length ? rule.to.methods : ['*'];
    const matches = paths.map((p, i) => ({
      name: `request-${i + 1}`,
      pathRegex: p === undefined ? '.*' : p.endsWith('*') ? `${escapeRegex(p.slice(0, -1))}.*` : `${escapeRegex(p)}$`,
      methods,
    }));
    ctx.push({ apiVersion: SPECS_API, kind: 'HTTPRouteGroup', metadata: { name, namespace: s.namespace }, spec: { matches } });
    spec = { kind: 'HTTPRouteGroup', name, matches: matches.map((m) => m.name) };
  }
  ctx.push({ apiVersion: ACCESS_API, kind: 'TrafficTarget', metadata: { name, namespace: s.namespace }, spec: { destination, rules: [spec], sources } });
}
