/**
 * Inbound policy: one Server per pod port of each service, its `accessPolicy` (the default for
 * traffic no AuthorizationPolicy matches), and AuthorizationPolicies with the authentications
 * they require.
 *
 * - MutualTLS strict → `accessPolicy: all-authenticated` (only meshed, mTLS clients); permissive →
 *   `all-unauthenticated`. Linkerd always uses mTLS between meshed pods, so `disabled` cannot be
 *   expressed. (The namespace annotation `config.linkerd.io/default-inbound-policy` would cover
 *   ports without a Server too, but Meshloom's Namespace objects are rendered by the shared
 *   workloads; every port of a pattern service has a Server here, which takes precedence anyway.)
 * - Authorization allow → the Server denies by default (`accessPolicy: deny`) and each rule becomes
 *   an AuthorizationPolicy: sources as MeshTLSAuthentication (service accounts, namespaces, any
 *   authenticated) and NetworkAuthentication (ipBlocks), all of which must hold; paths/methods as
 *   an inbound HTTPRoute on the Server that the policy targets. An allow policy without rules
 *   leaves only the deny default: nothing is allowed.
 * - Authorization deny with no rules → deny default and no AuthorizationPolicy. Linkerd has no
 *   deny rules: other deny policies are reported and not rendered.
 */
import type { TPolicy, TService } from '@/patterns/language/schema';
import { objectName } from '../shared/k8s';
import { applyingTo } from '../shared/pattern-index';
import type { TManifest } from '../types';
import {
  GATEWAY_API,
  identityOf,
  isHttpFamily,
  type LinkerdContext,
  meta,
  namespaceIdentity,
  POLICY_API,
  serverPorts,
  type TServerPort,
} from './context';

type TAuthz = Extract<TPolicy, { kind: 'Authorization' }>;
type TMtls = Extract<TPolicy, { kind: 'MutualTLS' }>;
type TRule = TAuthz['rules'][number];
type TRef = { group: string; kind: string; name: string };

const ALL_NETWORKS = [{ cidr: '0.0.0.0/0' }, { cidr: '::/0' }];
/** The sample workload's readiness probe (shared/workloads.ts). */
const PROBE_PATH = '/health';

const PROXY_PROTOCOL: Record<TService['protocol'], string> = { http: 'HTTP/1', http2: 'HTTP/2', grpc: 'gRPC', tcp: 'opaque' };

/**
 * Mesh-wide-kind policies (MutualTLS, Authorization) apply to a service by specificity: attached
 * to it (its `target`, or a `route` of it that is not a gateway route) beats its namespace, which
 * beats mesh-wide; a policy with another target, route or namespace does not apply. The index
 * groups them that way once per render (PatternIndex.attached).
 */
export function mtlsModeOf(ctx: LinkerdContext, s: TService): TMtls['mode'] | undefined {
  // The most specific policy wins, the first of equally specific ones.
  const a = ctx.index.attached('MutualTLS', (name) => ctx.routes.get(name));
  return (a.byService.get(s.name)?.[0] ?? a.byNamespace.get(s.namespace)?.[0] ?? a.meshWide[0])?.p.mode;
}

export function renderSecurity(ctx: LinkerdContext): void {
  const policies = ctx.pattern.spec.policies;
  const shared = new Map<string, TManifest>(); // authentications shared within a namespace, by key
  const authn = (key: string, m: TManifest) => {
    if (!shared.has(key)) shared.set(key, m);
    return { group: POLICY_API, kind: m.kind, name: m.metadata.name };
  };

  // Diagnostics for what cannot be rendered at all.
  policies.forEach((p, pi) => {
    const path = ['spec', 'policies', pi];
    if (p.kind === 'MutualTLS') {
      if (p.mode === 'disabled') ctx.approx('Linkerd always uses mTLS between meshed workloads: mode disabled rendered as all-unauthenticated (plain text also accepted)', path, 'warning', 'mtls');
      if (p.target && ctx.resolve(p.target).type !== 'service') ctx.approx(`MutualTLS on ${p.target}: Linkerd sets inbound policy on meshed workloads only; not rendered`, path, 'warning', 'mtls');
    }
    if (p.kind !== 'Authorization') return;
    const t = ctx.resolve(p.target);
    if (p.target && t.type !== 'service') {
      ctx.approx(
        `Authorization on ${p.target}: Linkerd authorizes inbound traffic of meshed workloads only (not ${t.type === 'external' ? 'external services' : t.type === 'gateway' ? 'gateways' : 'unknown targets'}); not rendered`,
        path,
        'warning',
        'authorization-source',
      );
    }
    if (p.action === 'deny' && p.rules.length > 0) {
      ctx.approx(
        'Linkerd authorization is allow-only: deny rules cannot be expressed and are not rendered (workloads with an allow policy still refuse everything not allowed)',
        path,
        'warning',
        'authorization-source',
      );
    }
  });

  const authorizations = ctx.index.attached('Authorization', (name) => ctx.routes.get(name));
  for (const s of ctx.pattern.spec.services) {
    const mode = mtlsModeOf(ctx, s);
    const strict = mode === 'strict';
    // The Authorization policies that apply to s (at any specificity), in pattern order.
    const applying = applyingTo(authorizations, s).map(({ p, i }) => ({ p, pi: i }));
    const denyAll = applying.some(({ p }) => p.action === 'deny' && p.rules.length === 0);
    const allows = applying.filter(({ p }) => p.action === 'allow');
    const restricted = denyAll || allows.length > 0;
    const sampleApp = s.versions.length === 0 || s.versions.some((v) => !v.image);

    for (const sp of serverPorts(s)) {
      ctx.push({
        apiVersion: `${POLICY_API}/v1beta3`,
        kind: 'Server',
        metadata: meta(sp.name, s.namespace, { labels: { app: s.name } }),
        spec: {
          podSelector: { matchLabels: { app: s.name } },
          port: sp.port,
          proxyProtocol: PROXY_PROTOCOL[sp.protocol],
          accessPolicy: restricted ? 'deny' : strict ? 'all-authenticated' : 'all-unauthenticated',
        },
      });
      if (denyAll) continue;

      const serverRef: TRef = { group: POLICY_API, kind: 'Server', name: sp.name };
      let routeLevel = 0;
      let serverLevel = 0;
      for (const { p, pi } of allows) {
        p.rules.forEach((rule, ri) => {
          const path = ['spec', 'policies', pi, 'rules', ri];
          if (rule.to?.ports && !rule.to.ports.some((port) => port === sp.port || sp.servicePorts.includes(port))) return;
          const requestLevel = Boolean(rule.to?.paths?.length || rule.to?.methods?.length);
          if (requestLevel && !isHttpFamily(sp.protocol)) {
            ctx.approx(`paths/methods need HTTP: port ${sp.port} of ${s.name} is TCP; rule not rendered`, path, 'warning', 'authorization-request');
            return;
          }
          const refs = authentications(ctx, s, rule, strict, `${pi}-${ri}`, authn);
          const base = objectName(ctx.patternName, sp.name, `${pi}-${ri}`);
          let targetRef: TRef = serverRef;
          if (requestLevel) {
            routeLevel++;
            ctx.push(inboundRoute(base, s.namespace, sp, requestMatches(rule)));
            targetRef = { group: GATEWAY_API, kind: 'HTTPRoute', name: base };
          } else serverLevel++;
          ctx.push({
            apiVersion: `${POLICY_API}/v1alpha1`,
            kind: 'AuthorizationPolicy',
            metadata: meta(base, s.namespace),
            spec: { targetRef, requiredAuthenticationRefs: refs },
          });
        });
      }
      if (routeLevel > 0) {
        // With inbound routes on a Server, requests matching none of them are refused: keep the
        // Server-wide rules working on every path, and the kubelet's probes passing.
        if (serverLevel > 0) ctx.push(inboundRoute(objectName(ctx.patternName, sp.name, 'all'), s.namespace, sp, [{ path: { type: 'PathPrefix', value: '/' } }]));
        if (sampleApp) {
          const probe = objectName(ctx.patternName, sp.name, 'probes');
          ctx.push(inboundRoute(probe, s.namespace, sp, [{ path: { type: 'Exact', value: PROBE_PATH }, method: 'GET' }]));
          ctx.push({
            apiVersion: `${POLICY_API}/v1alpha1`,
            kind: 'AuthorizationPolicy',
            metadata: meta(probe, s.namespace),
            spec: {
              targetRef: { group: GATEWAY_API, kind: 'HTTPRoute', name: probe },
              requiredAuthenticationRefs: [authn(`${s.namespace}/net/all`, allNetworks(ctx, s.namespace))],
            },
          });
        }
      }
    }
  }
  ctx.push(...shared.values());
}

/** The authentications one rule requires (all of them must hold). */
function authentications(
  ctx: LinkerdContext,
  s: TService,
  rule: TRule,
  strict: boolean,
  key: string,
  authn: (key: string, m: TManifest) => TRef,
): TRef[] {
  const ns = s.namespace;
  const from = rule.from ?? {};
  const refs: TRef[] = [];
  const services = from.services ?? [];
  if (services.includes('*') || (from.authenticated && !services.length && !from.namespaces?.length)) {
    refs.push(authn(`${ns}/mtls/any`, anyAuthenticated(ctx, ns)));
  } else if (services.length) {
    const identities = services.map((name) => identityOf(name, ctx.namespaceOf(name, ns)));
    const name = objectName(ctx.patternName, s.name, key, 'clients');
    refs.push(authn(`${ns}/${name}`, meshTls(name, ns, identities)));
  }
  if (from.namespaces?.length) {
    const name = objectName(ctx.patternName, s.name, key, 'namespaces');
    refs.push(authn(`${ns}/${name}`, meshTls(name, ns, from.namespaces.map(namespaceIdentity))));
  }
  if (from.ipBlocks?.length) {
    const name = objectName(ctx.patternName, s.name, key, 'networks');
    refs.push(
      authn(`${ns}/${name}`, {
        apiVersion: `${POLICY_API}/v1alpha1`,
        kind: 'NetworkAuthentication',
        metadata: meta(name, ns),
        spec: { networks: from.ipBlocks.map((cidr) => ({ cidr })) },
      }),
    );
  }
  const hasMesh = refs.some((r) => r.kind === 'MeshTLSAuthentication');
  if (strict && !hasMesh) refs.push(authn(`${ns}/mtls/any`, anyAuthenticated(ctx, ns)));
  if (refs.length === 0) refs.push(authn(`${ns}/net/all`, allNetworks(ctx, ns)));
  return refs;
}

function meshTls(name: string, namespace: string, identities: string[]): TManifest {
  return { apiVersion: `${POLICY_API}/v1alpha1`, kind: 'MeshTLSAuthentication', metadata: meta(name, namespace), spec: { identities } };
}

function anyAuthenticated(ctx: LinkerdContext, namespace: string): TManifest {
  return meshTls(objectName(ctx.patternName, 'any-meshed-client'), namespace, ['*']);
}

function allNetworks(ctx: LinkerdContext, namespace: string): TManifest {
  return {
    apiVersion: `${POLICY_API}/v1alpha1`,
    kind: 'NetworkAuthentication',
    metadata: meta(objectName(ctx.patternName, 'any-client'), namespace),
    spec: { networks: ALL_NETWORKS },
  };
}

/** HTTPRoute matches for a rule's paths × methods (exact paths; `/x/*` is the prefix `/x`). */
function requestMatches(rule: TRule): Record<string, unknown>[] {
  const paths = rule.to?.paths?.length ? rule.to.paths : [undefined];
  const methods = rule.to?.methods?.length ? rule.to.methods : [undefined];
  const out: Record<string, unknown>[] = [];
  for (const p of paths) {
    for (const m of methods) {
      const path =
        p === undefined
          ? undefined
          : p.endsWith('*')
            ? { type: 'PathPrefix', value: p.slice(0, -1).replace(/\/$/, '') || '/' }
            : { type: 'Exact', value: p };
      out.push({ ...(path ? { path } : {}), ...(m ? { method: m } : {}) });
    }
  }
  return out;
}

function inboundRoute(name: string, namespace: string, sp: TServerPort, matches: Record<string, unknown>[]): TManifest {
  const rules: Record<string, unknown>[] = [];
  for (let i = 0; i < matches.length; i += 8) rules.push({ matches: matches.slice(i, i + 8) });
  return {
    apiVersion: `${GATEWAY_API}/v1`,
    kind: 'HTTPRoute',
    metadata: meta(name, namespace),
    spec: { parentRefs: [{ group: POLICY_API, kind: 'Server', name: sp.name }], rules: rules.slice(0, 16) },
  };
}
