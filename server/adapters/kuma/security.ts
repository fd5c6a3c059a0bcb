/**
 * Security: the `Mesh` object (mTLS backend and its mode, MeshService generation, zone egress),
 * MeshTLS for scoped mTLS modes, and MeshTrafficPermission for authorization.
 *
 * Kuma enforces MeshTrafficPermission only with mTLS on, so authorization without a MutualTLS
 * policy turns the mesh's built-in CA on in permissive mode (reported).
 */
import type { TPolicy } from '@/patterns/language/schema';
import { KUMA_API, MESH, SYSTEM_NAMESPACE, externalServiceName, kumaServiceTag, type KumaContext, type TTargetRef } from './context';
import { meshWidePlacement, type TInbound } from './placement';

type P<K extends TPolicy['kind']> = Extract<TPolicy, { kind: K }>;
type TMode = 'strict' | 'permissive' | 'disabled';
const MESHTLS_MODE = { strict: 'Strict', permissive: 'Permissive' } as const;

export function renderMesh(ctx: KumaContext, zoneEgress: boolean): void {
  const policies = ctx.pattern.spec.policies.map((p, i) => ({ p, i })).filter((x): x is { p: P<'MutualTLS'>; i: number } => x.p.kind === 'MutualTLS');
  const meshWide = policies.filter(({ p }) => !p.target && !p.route && !p.namespace);
  const scoped = policies.filter(({ p }) => p.target || p.route || p.namespace);
  let mode: TMode | undefined = meshWide.at(-1)?.p.mode;
  if (meshWide.length > 1) ctx.approx('several mesh-wide MutualTLS policies: the last one sets the mesh mode', ['spec', 'policies', meshWide.at(-1)?.i ?? 0], 'warning', 'mtls');
  if (mode === undefined && scoped.some(({ p }) => p.mode !== 'disabled')) mode = 'permissive';
  if ((mode === undefined || mode === 'disabled') && ctx.needsMtlsForAuthorization) {
    ctx.approx('Kuma enforces MeshTrafficPermission only with mTLS: the mesh CA is enabled in permissive mode', ['spec', 'policies'], 'info', 'authorization-source');
    mode = 'permissive';
  }
  if ((mode === undefined || mode === 'disabled') && zoneEgress) {
    ctx.approx('Kuma routes through the zone egress only with mTLS: the mesh CA is enabled in permissive mode', ['spec', 'gateways'], 'info', 'egress-gateway');
    mode = 'permissive';
  }
  const spec: Record<string, unknown> = { meshServices: { mode: 'Exclusive' } };
  if (mode && mode !== 'disabled') {
    spec.mtls = { enabledBackend: 'ca-1', backends: [{ name: 'ca-1', type: 'builtin', mode: mode === 'strict' ? 'STRICT' : 'PERMISSIVE' }] };
  }
  if (zoneEgress) spec.routing = { zoneEgress: true };
  ctx.push({ apiVersion: KUMA_API, kind: 'Mesh', metadata: { name: MESH }, spec });

  for (const { p, i } of scoped) {
    const path = ['spec', 'policies', i];
    const at = meshWidePlacement(ctx, p, path, { feature: 'mtls', what: 'mTLS' });
    if (!at) continue;
    if (at.gateway) {
      ctx.approx('built-in gateways terminate client traffic themselves; the mTLS mode applies to mesh workloads only', path, 'info', 'mtls');
      continue;
    }
    let m = p.mode;
    if (m === 'disabled') {
      ctx.approx('MeshTLS cannot turn mTLS off for part of the mesh: rendered as Permissive', path, 'warning', 'mtls');
      m = 'permissive';
    }
    ctx.push(ctx.policy('MeshTLS', ctx.name(at.label, 'mtls'), at.namespace, { targetRef: at.targetRef, rules: [{ default: { mode: MESHTLS_MODE[m] } }] }));
  }
}

export function authorizationNeedsMtls(ctx: KumaContext): boolean {
  return ctx.pattern.spec.policies.some((p) => p.kind === 'Authorization');
}

type TFrom = { targetRef: TTargetRef; default: { action: 'Allow' | 'Deny' } };

export function renderAuthorization(ctx: KumaContext, p: P<'Authorization'>, path: (string | number)[]): void {
  let at: TInbound | undefined;
  let targetRef: TTargetRef;
  const t = ctx.resolve(p.target);
  if (t.type === 'external') {
    at = { namespace: SYSTEM_NAMESPACE, targetRef: { kind: 'MeshExternalService', name: externalServiceName(t.external, t.external.ports[0]?.port ?? 443) }, label: t.external.name, gateway: false };
    if (t.external.ports.length > 1) ctx.approx('authorization applies to the first port of the external service', path, 'info', 'authorization-source');
  } else if (t.type === 'gateway') {
    ctx.approx(
      t.gateway.type === 'egress'
        ? "Kuma's zone egress admits only mesh workloads; per-gateway MeshTrafficPermission is not rendered"
        : 'Kuma built-in gateways accept traffic from outside the mesh; MeshTrafficPermission does not apply to them',
      path,
      'warning',
      'authorization-source',
    );
    return;
  } else {
    at = meshWidePlacement(ctx, p, path, { feature: 'authorization-source', what: 'authorization' });
  }
  if (!at) return;
  targetRef = at.targetRef;

  const action = p.action === 'allow' ? 'Allow' : 'Deny';
  const from: TFrom[] = [];
  const push = (ref: TTargetRef, a: 'Allow' | 'Deny') => {
    const key = JSON.stringify(ref);
    if (!from.some((f) => JSON.stringify(f.targetRef) === key && f.default.action === a)) from.push({ targetRef: ref, default: { action: a } });
  };
  p.rules.forEach((rule, ri) => {
    const rpath = [...path, 'rules', ri];
    const hasTo = !!(rule.to?.paths?.length || rule.to?.methods?.length || rule.to?.ports?.length);
    if (hasTo && p.action === 'deny') {
      ctx.approx('MeshTrafficPermission cannot deny only some paths, methods or ports: this deny rule is not rendered', [...rpath, 'to'], 'warning', 'authorization-request');
      return;
    }
    if (hasTo) ctx.approx('MeshTrafficPermission cannot restrict paths, methods or ports: the caller is allowed every request', [...rpath, 'to'], 'warning', 'authorization-request');
    if (rule.from?.ipBlocks?.length) ctx.approx('MeshTrafficPermission matches mesh identities, not IP blocks: ipBlocks are not rendered', [...rpath, 'from', 'ipBlocks'], 'warning', 'authorization-source');
    for (const ref of sources(ctx, rule.from, rpath)) push(ref, action);
  });
  // allow: everything not allowed is denied; allow without rules allows nothing; deny without rules denies everything.
  const meshAllowed = from.some((f) => f.targetRef.kind === 'Mesh' && f.default.action === 'Allow');
  if ((p.action === 'allow' && !meshAllowed) || (p.action === 'deny' && p.rules.length === 0)) from.unshift({ targetRef: { kind: 'Mesh' }, default: { action: 'Deny' } });
  if (from.length === 0) return;
  ctx.push(ctx.policy('MeshTrafficPermission', ctx.name(at.label, p.action === 'allow' ? 'allow' : 'deny'), at.namespace, { targetRef, from }));
}

function sources(ctx: KumaContext, from: P<'Authorization'>['rules'][number]['from'], path: (string | number)[]): TTargetRef[] {
  const services = from?.services ?? [];
  const namespaces = from?.namespaces ?? [];
  if (services.includes('*') || (services.length === 0 && namespaces.length === 0 && !from?.ipBlocks?.length) || (from?.authenticated && services.length === 0 && namespaces.length === 0)) {
    return [{ kind: 'Mesh' }];
  }
  const out: TTargetRef[] = [];
  for (const name of services) {
    const s = ctx.services.get(name);
    const g = ctx.gateways.get(name);
    if (s) {
      if (namespaces.length && !namespaces.includes(s.namespace)) continue;
      for (const port of s.ports) out.push({ kind: 'MeshSubset', tags: { 'kuma.io/service': kumaServiceTag(s, port.port) } });
    } else if (g) {
      out.push({ kind: 'MeshSubset', tags: { 'kuma.io/service': `${g.name}_${g.namespace}_svc` } });
    } else {
      ctx.approx(`caller ${name} is not a mesh service; not rendered`, [...path, 'from', 'services'], 'warning', 'authorization-source');
    }
  }
  if (services.length === 0) for (const ns of namespaces) out.push({ kind: 'MeshSubset', tags: { 'k8s.kuma.io/namespace': ns } });
  return out;
}
