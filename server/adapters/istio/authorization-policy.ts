/**
 * security.istio.io/v1 AuthorizationPolicy from Authorization policies. Semantics kept exactly:
 * an ALLOW policy without rules is the allow-nothing policy (rules absent), a DENY policy without
 * rules denies everything (one empty rule, which matches every request).
 */
import type { TManifest } from '../types';
import { objectName } from '../shared/k8s';
import { type IstioContext, NameAllocator, ROOT_NAMESPACE, type TPolicyOf } from './context';

type TObj = Record<string, unknown>;
type TAuthz = TPolicyOf<'Authorization'>;

function ruleOf(ctx: IstioContext, r: TAuthz['rules'][number]): TObj {
  const source: TObj = {};
  const f = r.from;
  if (f?.services?.length) source.principals = f.services.map((s) => (s === '*' ? '*' : ctx.principalOf(s)));
  else if (f?.authenticated) source.principals = ['*'];
  if (f?.namespaces?.length) source.namespaces = [...f.namespaces];
  if (f?.ipBlocks?.length) source.ipBlocks = [...f.ipBlocks];
  const operation: TObj = {};
  const t = r.to;
  if (t?.paths?.length) operation.paths = [...t.paths];
  if (t?.methods?.length) operation.methods = [...t.methods];
  if (t?.ports?.length) operation.ports = t.ports.map(String);
  return {
    ...(Object.keys(source).length > 0 ? { from: [{ source }] } : {}),
    ...(Object.keys(operation).length > 0 ? { to: [{ operation }] } : {}),
  };
}

export function renderAuthorizationPolicies(ctx: IstioContext): TManifest[] {
  const out: TManifest[] = [];
  const names = new Map<string, NameAllocator>();
  const take = (ns: string, name: string) => {
    let a = names.get(ns);
    if (!a) names.set(ns, (a = new NameAllocator()));
    return a.take(name);
  };
  for (const { policy: p, path } of ctx.policies('Authorization')) {
    const action = p.action === 'deny' ? 'DENY' : 'ALLOW';
    let target = p.target;
    if (!target && p.route) {
      const r = ctx.routes.get(p.route);
      if (!r) {
        ctx.warn(path, `Istio: unknown route ${p.route}`);
        continue;
      }
      target = r.route.gateway ?? r.route.service;
      ctx.info(path, `Istio: authorization applies to workloads, not routes; applied to ${target}`);
    }
    const rules = p.rules.map((r) => ruleOf(ctx, r));
    const identityRules = p.rules.some((r) => r.from?.services?.length || r.from?.namespaces?.length || r.from?.authenticated);
    const viaGw = target ? (ctx.gateways.get(target) ?? (ctx.externals.get(target)?.viaGateway ? ctx.gateways.get(ctx.externals.get(target)?.viaGateway ?? '') : undefined)) : undefined;
    if (identityRules && viaGw?.type === 'egress' && viaGw.listeners.every((l) => l.tls?.mode === 'passthrough' || (l.protocol === 'tls' && !l.tls)))
      ctx.warn(path, `Istio: egress gateway ${viaGw.name} only passes TLS through, so callers reach it without mesh mTLS and carry no identity; rules on source services or namespaces will not match there (use an ISTIO_MUTUAL server between sidecars and the gateway)`, 'authorization-source');
    if (ctx.services.has(target ?? '') || ctx.gateways.has(target ?? '') || !target) {
      const gw = target ? ctx.gateways.get(target) : undefined;
      const namespace = target ? ctx.namespaceOf(target) : (p.namespace ?? ROOT_NAMESPACE);
      const selector = gw ? ctx.gatewaySelector(gw) : target ? { app: target } : undefined;
      if (ctx.isTcp(target ?? '') && p.rules.some((r) => r.to?.paths?.length || r.to?.methods?.length))
        ctx.warn(path, `Istio: ${target ?? ''} is a TCP service; rules with paths or methods never match TCP traffic (an ALLOW rule is ignored, a DENY rule denies the connection)`);
      const base = target ? objectName(target, action.toLowerCase()) : p.rules.length === 0 ? (action === 'ALLOW' ? 'allow-nothing' : 'deny-all') : objectName(ctx.pattern.metadata.name, action.toLowerCase());
      const spec: TObj = { ...(selector ? { selector: { matchLabels: selector } } : {}), action };
      // No rules: ALLOW matches nothing (allow-nothing); DENY needs one empty rule to match everything.
      if (rules.length > 0) spec.rules = rules;
      else if (action === 'DENY') spec.rules = [{}];
      out.push({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: take(namespace, base), namespace }, spec });
      continue;
    }
    const ext = ctx.externals.get(target);
    if (!ext) {
      ctx.warn(path, `Istio: unknown target ${target}`);
      continue;
    }
    const gw = ext.viaGateway ? ctx.gateways.get(ext.viaGateway) : undefined;
    if (!gw) {
      ctx.warn(path, `Istio: calls to ${target} leave through the callers' own sidecars, where no AuthorizationPolicy applies; route it through an egress gateway (viaGateway) to enforce this`, 'authorization-source');
      continue;
    }
    // At the egress gateway: match the external host by SNI (TLS) or by Host header (HTTP).
    const http = ext.ports.every((pt) => pt.protocol === 'http');
    const hostCondition: TObj = http ? { to: [{ operation: { hosts: [...ext.hosts] } }] } : { when: [{ key: 'connection.sni', values: [...ext.hosts] }] };
    const scoped = (r: TObj): TObj => (http ? { ...r, to: [{ operation: { ...((r.to as { operation: TObj }[] | undefined)?.[0]?.operation ?? {}), hosts: [...ext.hosts] } }] } : { ...r, ...hostCondition });
    let spec: TObj;
    if (rules.length === 0) {
      // allow-nothing / deny-all, limited to this host: deny every request to it.
      spec = { selector: { matchLabels: ctx.gatewaySelector(gw) }, action: 'DENY', rules: [hostCondition] };
    } else {
      spec = { selector: { matchLabels: ctx.gatewaySelector(gw) }, action, rules: rules.map(scoped) };
    }
    ctx.info(path, `Istio: access to ${target} is enforced at egress gateway ${gw.name}, matching ${http ? 'the Host header' : 'the TLS SNI'}`);
    out.push({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: take(gw.namespace, objectName(target, action.toLowerCase())), namespace: gw.namespace }, spec });
  }
  return out;
}
