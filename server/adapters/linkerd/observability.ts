/**
 * What Linkerd does with the remaining policy kinds, said as diagnostics: nothing in them maps to
 * a Linkerd object the adapter can render (the rest is reported by the capability declarations).
 */
import type { LinkerdContext } from './context';

export function renderObservability(ctx: LinkerdContext): void {
  ctx.pattern.spec.policies.forEach((p, pi) => {
    const path = ['spec', 'policies', pi];
    if (p.kind === 'Metrics' && (p.tags || p.provider !== 'prometheus')) {
      ctx.approx('Linkerd proxies always expose their golden metrics to Prometheus; extra tags and other providers are not rendered', path, 'info', 'metrics');
    }
    if (p.kind === 'Timeout' && p.connect) {
      ctx.approx('Linkerd has no per-service connect timeout: connect not rendered', [...path, 'connect'], 'info', 'request-timeout');
    }
    if (p.kind === 'Timeout' && p.target && ctx.resolve(p.target).type === 'gateway') {
      ctx.approx(`Timeout on gateway ${p.target}: Linkerd has no gateway of its own; not rendered`, path, 'warning', 'request-timeout');
    }
    if (p.kind === 'Retry' && p.target && ctx.resolve(p.target).type === 'gateway') {
      ctx.approx(`Retry on gateway ${p.target}: Linkerd has no gateway of its own; not rendered`, path, 'warning', 'retries');
    }
  });
}
