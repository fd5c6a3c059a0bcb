/**
 * Retries and timeouts the way Linkerd reads them: annotations on an outbound route
 * (`retry.linkerd.io/*`, `timeout.linkerd.io/*`). Annotations belong to the whole route object,
 * so rules whose retry settings differ end up in separate route objects.
 */
import type { TPolicy, TRoute, TRouteRule, TService } from '@/patterns/language/schema';
import { durationMs, goDuration } from '../shared/k8s';
import { type LinkerdContext, routeName } from './context';

type TRetryPolicy = Extract<TPolicy, { kind: 'Retry' }>;
type TTimeoutPolicy = Extract<TPolicy, { kind: 'Timeout' }>;
export type TRetrySpec = NonNullable<TRouteRule['retries']>;

const GRPC_CODES: Record<string, string> = {
  cancelled: 'cancelled',
  'deadline-exceeded': 'deadline-exceeded',
  unavailable: 'unavailable',
  'resource-exhausted': 'resource-exhausted',
};
/** Conditions Linkerd cannot name; the proxy answers them with 502/503, so `gateway-error` retries them. */
const TRANSPORT = new Set(['reset', 'connect-failure', 'refused-stream']);

/** Retry settings of a rule: its own, else a Retry policy on its route, else one on its service. */
export function retryOf(ctx: LinkerdContext, route: TRoute, rule: TRouteRule): { retry: TRetrySpec; path: (string | number)[] } | undefined {
  if (rule.retries) {
    const ri = route.rules.indexOf(rule);
    return { retry: rule.retries, path: ['spec', 'routes', ctx.index.routeIndex(route), 'rules', ri, 'retries'] };
  }
  return retryPolicyFor(ctx, route.service, routeName(route));
}

export function retryPolicyFor(ctx: LinkerdContext, service: string, route?: string): { retry: TRetrySpec; path: (string | number)[] } | undefined {
  // The first Retry policy on the route, else the first on the service.
  const pick = (field: 'route' | 'target', key: string) => {
    const at = ctx.index.firstPolicy('Retry', field, key);
    return at ? { retry: at.p as TRetryPolicy, path: ['spec', 'policies', at.i] } : undefined;
  };
  return (route ? pick('route', route) : undefined) ?? pick('target', service);
}

export function timeoutPolicyFor(ctx: LinkerdContext, service: string, route?: string): TTimeoutPolicy | undefined {
  // The first Timeout policy on the route, else the first on the service.
  return (route ? ctx.index.firstPolicy('Timeout', 'route', route)?.p : undefined) ?? ctx.index.firstPolicy('Timeout', 'target', service)?.p;
}

/** The request timeout of a rule: its own, else a Timeout policy's `request`. */
export function requestTimeoutOf(ctx: LinkerdContext, route: TRoute, rule: TRouteRule): string | undefined {
  return rule.timeout ?? timeoutPolicyFor(ctx, route.service, routeName(route))?.request;
}

/** `retry.linkerd.io/*` annotations for a retry spec; diagnostics for what Linkerd cannot say. */
export function retryAnnotations(
  ctx: LinkerdContext,
  retry: TRetrySpec,
  protocol: TService['protocol'] | 'grpc-route',
  path: (string | number)[],
): Record<string, string> {
  if (retry.attempts === 0) return {};
  const grpc = protocol === 'grpc' || protocol === 'grpc-route';
  const http = new Set<string>();
  const grpcCodes = new Set<string>();
  const approximated: string[] = [];
  for (const on of retry.on) {
    if (on === '5xx') http.add('5xx');
    else if (on === 'gateway-error') http.add('gateway-error');
    else if (on === 'retriable-4xx') http.add('409');
    else if (on === 'retriable-status-codes') for (const c of retry.statusCodes ?? []) http.add(String(c));
    else if (TRANSPORT.has(on)) {
      http.add('gateway-error');
      approximated.push(on);
    } else if (GRPC_CODES[on]) {
      if (grpc) grpcCodes.add(GRPC_CODES[on]);
      else approximated.push(on);
    }
  }
  if (grpc && http.size > 0) {
    // GRPCRoute retries name gRPC status codes only; HTTP failures of a gRPC call surface as `unavailable`/`internal`.
    grpcCodes.add('unavailable');
    if (http.has('5xx')) grpcCodes.add('internal');
    approximated.push(...[...http].map((h) => `HTTP ${h}`));
  }
  if (approximated.length) {
    ctx.approx(
      `Linkerd retries by response status: ${[...new Set(approximated)].join(', ')} ${grpc ? 'mapped to gRPC codes unavailable/internal' : 'mapped to gateway-error (the proxy answers transport failures with 502/503)'}`,
      path,
      'info',
      'retries',
    );
  }
  if (retry.backoff) ctx.approx('Linkerd has no configurable retry backoff: backoff not rendered', [...path, 'backoff'], 'info', 'retries');
  const out: Record<string, string> = {};
  if (grpc) {
    if (grpcCodes.size) out['retry.linkerd.io/grpc'] = [...grpcCodes].join(',');
  } else if (http.size) out['retry.linkerd.io/http'] = [...http].join(',');
  if (!out['retry.linkerd.io/grpc'] && !out['retry.linkerd.io/http']) return {};
  out['retry.linkerd.io/limit'] = String(retry.attempts);
  if (retry.perTryTimeout) out['retry.linkerd.io/timeout'] = goDuration(durationMs(retry.perTryTimeout));
  return out;
}

/** Route-level timeout annotations from a Timeout policy (idle), plus request timeouts where the route kind has no field for them. */
export function timeoutAnnotations(ctx: LinkerdContext, route: TRoute, requestTimeout: string | undefined, requestAsAnnotation: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  const policy = timeoutPolicyFor(ctx, route.service, routeName(route));
  if (policy?.idle) out['timeout.linkerd.io/idle'] = goDuration(durationMs(policy.idle));
  if (requestAsAnnotation && requestTimeout) out['timeout.linkerd.io/request'] = goDuration(durationMs(requestTimeout));
  return out;
}
