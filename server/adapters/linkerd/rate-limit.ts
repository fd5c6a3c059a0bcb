/**
 * Local rate limiting: HTTPLocalRateLimitPolicy (Linkerd 2.17+) on the Server of each HTTP port
 * of the service; each proxy enforces the limit on its own inbound traffic.
 */
import type { TPolicy } from '@/patterns/language/schema';
import { durationMs, objectName } from '../shared/k8s';
import { isHttpFamily, type LinkerdContext, meta, POLICY_API, serverPorts } from './context';

type TRateLimit = Extract<TPolicy, { kind: 'RateLimit' }>;

export function renderRateLimits(ctx: LinkerdContext): void {
  ctx.pattern.spec.policies.forEach((p, pi) => {
    if (p.kind !== 'RateLimit' || p.scope !== 'local') return;
    const path = ['spec', 'policies', pi];
    const s = ctx.policyService(p);
    if (!s) {
      ctx.approx(`RateLimit on ${p.target ?? p.route}: Linkerd limits the inbound traffic of meshed workloads only; not rendered`, path, 'warning', 'rate-limit-local');
      return;
    }
    if (p.route) ctx.approx(`Linkerd rate limits apply per Server: the limit of route ${p.route} covers all traffic to ${s.name}`, path, 'warning', 'rate-limit-local');
    const rps = perSecond(ctx, p, path);
    if (p.burst !== undefined) ctx.approx('HTTPLocalRateLimitPolicy has no burst: burst not rendered', [...path, 'burst'], 'info', 'rate-limit-local');
    if (p.status !== 429) ctx.approx(`Linkerd answers rate-limited requests with 429: status ${p.status} not rendered`, [...path, 'status'], 'info', 'rate-limit-local');
    if (p.by?.header || p.by?.path) ctx.approx('Linkerd buckets local rate limits per client identity only: by header/path not rendered', [...path, 'by'], 'warning', 'rate-limit-local');
    // by.source: each calling identity gets its own bucket of the full size.
    const limit = p.by?.source ? { identity: { requestsPerSecond: rps } } : { total: { requestsPerSecond: rps } };
    for (const sp of serverPorts(s)) {
      if (!isHttpFamily(sp.protocol)) continue;
      ctx.push({
        apiVersion: `${POLICY_API}/v1alpha1`,
        kind: 'HTTPLocalRateLimitPolicy',
        metadata: meta(objectName(ctx.patternName, sp.name, `ratelimit-${pi}`), s.namespace),
        spec: { targetRef: { group: POLICY_API, kind: 'Server', name: sp.name }, ...limit },
      });
    }
  });
}

function perSecond(ctx: LinkerdContext, p: TRateLimit, path: (string | number)[]): number {
  const seconds = durationMs(p.interval) / 1000;
  const exact = p.requests / seconds;
  const rps = Math.max(1, Math.round(exact));
  if (rps !== exact) {
    ctx.approx(`Linkerd limits requests per second: ${p.requests} per ${p.interval} rendered as ${rps}/s`, [...path, 'interval'], 'info', 'rate-limit-local');
  }
  return rps;
}
