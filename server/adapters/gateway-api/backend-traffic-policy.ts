/**
 * gateway.networking.x-k8s.io/v1alpha1 XBackendTrafficPolicy (experimental) for RetryBudget
 * (retryConstraint) and session affinity (sessionPersistence), attached to the Service and its
 * version Services.
 */
import { durationMs, goDuration, objectName } from '../shared/k8s';
import { versionKey, versionServiceName } from '../shared/version-services';
import type { TManifest } from '../types';
import type { GatewayApiContext, TPath } from './context';

type TObj = Record<string, unknown>;

export function renderBackendTrafficPolicies(ctx: GatewayApiContext): TManifest[] {
  const specs = new Map<string, TObj>();
  const targetOf = (p: { target?: string; route?: string }, path: TPath): string | undefined => {
    const t = p.target ?? (p.route ? ctx.routes.get(p.route)?.route.service : undefined);
    if (!t || !ctx.services.has(t)) {
      ctx.warn(path, `Gateway API backend policies attach to Kubernetes Services; ${t ?? p.route ?? ''} is not one, not rendered`);
      return undefined;
    }
    if (p.route) ctx.info(path, `Gateway API: backend policies apply to the Service, not a route; applied to ${t}`);
    return t;
  };
  for (const { policy: p, path } of ctx.policies('RetryBudget')) {
    const t = targetOf(p, path);
    if (!t) continue;
    const ttl = goDuration(Math.max(1000, durationMs(p.ttl)));
    specs.set(t, {
      ...specs.get(t),
      retryConstraint: {
        budget: { percent: Math.round(p.retryRatio * 100), interval: ttl },
        minRetryRate: { count: p.minRetriesPerSecond, interval: '1s' },
      },
    });
  }
  for (const { policy: p, path } of ctx.policies('LoadBalancing')) {
    const a = p.sessionAffinity;
    if (!a) continue;
    if (!a.cookie && !a.header) {
      ctx.warn([...path, 'sessionAffinity'], 'Gateway API sessionPersistence is by cookie or header only; not rendered', 'session-affinity');
      continue;
    }
    const t = targetOf(p, path);
    if (!t) continue;
    const sp: TObj = a.cookie
      ? { type: 'Cookie', sessionName: a.cookie.name, ...(a.cookie.ttl ? { absoluteTimeout: goDuration(durationMs(a.cookie.ttl)) } : {}), cookieConfig: { lifetimeType: a.cookie.ttl ? 'Permanent' : 'Session' } }
      : { type: 'Header', sessionName: a.header };
    if (a.cookie?.path) ctx.info([...path, 'sessionAffinity', 'cookie', 'path'], 'Gateway API sessionPersistence sets no cookie path; not rendered');
    specs.set(t, { ...specs.get(t), sessionPersistence: sp });
  }
  const out: TManifest[] = [];
  for (const [t, spec] of specs) {
    const svc = ctx.services.get(t);
    if (!svc) continue;
    const refs = [t, ...svc.versions.filter((v) => ctx.versionRefs.has(versionKey(t, v.name))).map((v) => versionServiceName(t, v.name))];
    out.push({
      apiVersion: 'gateway.networking.x-k8s.io/v1alpha1',
      kind: 'XBackendTrafficPolicy',
      metadata: { name: objectName(t), namespace: svc.namespace },
      spec: { targetRefs: refs.map((name) => ({ group: '', kind: 'Service', name })), ...spec },
    });
  }
  return out;
}
