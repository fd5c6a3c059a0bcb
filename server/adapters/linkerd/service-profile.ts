/**
 * Retry budgets: Linkerd keeps them in a ServiceProfile (linkerd.io/v1alpha2). A ServiceProfile
 * takes precedence over the HTTPRoutes of the same Service, so a service with a RetryBudget is
 * rendered entirely as a ServiceProfile (routes by path/method with timeouts and isRetryable,
 * the budget, and a weighted split as dstOverrides) — when its routes fit one. When they need
 * what a ServiceProfile lacks (header/query matches, per-rule backends, header operations,
 * redirects), the HTTPRoutes win and the budget is reported and not rendered.
 */
import type { TMatch, TPolicy, TRoute, TService } from '@/patterns/language/schema';
import { durationMs, goDuration, serviceHost } from '../shared/k8s';
import { type LinkerdContext, meta, routeName, versionServiceName } from './context';
import { requestTimeoutOf, retryOf, retryPolicyFor, timeoutPolicyFor } from './retries';
import { escapeRegex } from '../shared/text';

type TBudget = Extract<TPolicy, { kind: 'RetryBudget' }>;

/** Render ServiceProfiles; returns the services they cover (whose HTTPRoutes are not rendered). */
export function renderServiceProfiles(ctx: LinkerdContext): Set<string> {
  const profiled = new Set<string>();
  ctx.pattern.spec.policies.forEach((p, pi) => {
    if (p.kind !== 'RetryBudget') return;
    const path = ['spec', 'policies', pi];
    const s = ctx.policyService(p);
    if (!s || s.protocol === 'tcp') {
      ctx.approx(`RetryBudget on ${p.target ?? p.route}: Linkerd budgets retries of HTTP services of the mesh only; not rendered`, path, 'warning', 'retry-budget');
      return;
    }
    if (profiled.has(s.name)) {
      ctx.approx(`a second RetryBudget for ${s.name}: Linkerd has one budget per service; not rendered`, path, 'warning', 'retry-budget');
      return;
    }
    const routes = [...ctx.index.meshRoutesOf(s.name)];
    const why = unfit(ctx, s, routes);
    if (why) {
      ctx.approx(
        `Linkerd keeps retry budgets in a ServiceProfile, which would override the HTTPRoutes of ${s.name} (${why}); budget not rendered`,
        path,
        'warning',
        'retry-budget',
      );
      return;
    }
    profiled.add(s.name);
    ctx.push(profile(ctx, s, routes, p, path));
  });
  return profiled;
}

/** Why the routes of `s` cannot be a ServiceProfile, or undefined when they can. */
function unfit(ctx: LinkerdContext, s: TService, routes: TRoute[]): string | undefined {
  let split: string | undefined;
  for (const route of routes) {
    for (const rule of route.rules) {
      if (rule.match.some((m) => m.headers || m.query || m.from)) return 'header, query or source matches';
      if (rule.redirect || rule.headers) return 'redirects or header operations';
      const key = JSON.stringify(rule.backends.map((b) => [b.service ?? route.service, b.version ?? '', b.weight ?? 1]));
      if (split !== undefined && key !== split) return 'rules with different backends';
      split = key;
      if (rule.backends.some((b) => b.service && b.service !== s.name && !ctx.services.has(b.service))) return 'backends outside the mesh';
    }
  }
  return undefined;
}

function profile(ctx: LinkerdContext, s: TService, routes: TRoute[], budget: TBudget, path: (string | number)[]) {
  const spRoutes: Record<string, unknown>[] = [];
  let unnamed = 0;
  let approximated = false;
  for (const route of routes) {
    for (const rule of route.rules) {
      const r = retryOf(ctx, route, rule);
      const timeout = requestTimeoutOf(ctx, route, rule);
      if (r && r.retry.attempts > 0) approximated = true;
      spRoutes.push({
        name: rule.name ?? `${routeName(route)}-${++unnamed}`,
        condition: condition(rule.match),
        ...(r && r.retry.attempts > 0 ? { isRetryable: true } : {}),
        ...(timeout ? { timeout: goDuration(durationMs(timeout)) } : {}),
      });
    }
  }
  if (routes.length === 0) {
    const retry = retryPolicyFor(ctx, s.name);
    const timeout = timeoutPolicyFor(ctx, s.name)?.request;
    if (retry || timeout) {
      if (retry && retry.retry.attempts > 0) approximated = true;
      spRoutes.push({
        name: 'all',
        condition: { pathRegex: '.*' },
        ...(retry && retry.retry.attempts > 0 ? { isRetryable: true } : {}),
        ...(timeout ? { timeout: goDuration(durationMs(timeout)) } : {}),
      });
    }
  }
  if (approximated) {
    ctx.approx(
      'in a ServiceProfile, retries are bounded by the retry budget only: attempts, perTryTimeout, conditions and backoff are not rendered',
      path,
      'info',
      'retries',
    );
  }
  const dstOverrides = overrides(ctx, s, routes);
  return {
    apiVersion: 'linkerd.io/v1alpha2',
    kind: 'ServiceProfile',
    metadata: meta(serviceHost(s.name, s.namespace), s.namespace),
    spec: {
      ...(spRoutes.length ? { routes: spRoutes } : {}),
      retryBudget: { retryRatio: budget.retryRatio, minRetriesPerSecond: budget.minRetriesPerSecond, ttl: goDuration(durationMs(budget.ttl)) },
      ...(dstOverrides ? { dstOverrides } : {}),
    },
  };
}

/** The routes' one backend set as dstOverrides, unless it is just the service itself. */
function overrides(ctx: LinkerdContext, s: TService, routes: TRoute[]): { authority: string; weight: number }[] | undefined {
  const route = routes[0];
  const rule = route?.rules.find((r) => r.backends.length > 0);
  if (!route || !rule) return undefined;
  const only = rule.backends[0];
  const isSelf = (b: typeof only) => b !== undefined && (b.service ?? route.service) === s.name && (!b.version || (s.versions.length === 1 && s.versions[0]?.name === b.version));
  if (rule.backends.length === 1 && isSelf(only)) return undefined;
  return rule.backends.map((b) => {
    const target = ctx.services.get(b.service ?? route.service) ?? s;
    const name = b.version ? versionServiceName(target.name, b.version) : target.name;
    return { authority: `${serviceHost(name, target.namespace)}:${b.port ?? target.ports[0]?.port ?? 80}`, weight: b.weight ?? 1 };
  });
}

function condition(match: TMatch[]): Record<string, unknown> {
  const one = (m: TMatch): Record<string, unknown> => {
    const parts: Record<string, unknown>[] = [];
    if (m.path) parts.push({ pathRegex: pathRegex(m.path) });
    const methods = m.method === undefined ? [] : Array.isArray(m.method) ? m.method : [m.method];
    if (methods.length === 1) parts.push({ method: methods[0] });
    else if (methods.length > 1) parts.push({ any: methods.map((method) => ({ method })) });
    if (parts.length === 0) return { pathRegex: '.*' };
    return parts.length === 1 ? (parts[0] as Record<string, unknown>) : { all: parts };
  };
  if (match.length === 0) return { pathRegex: '.*' };
  if (match.length === 1) return one(match[0] as TMatch);
  return { any: match.map(one) };
}

/** Linkerd anchors pathRegex to the whole path. */
function pathRegex(p: NonNullable<TMatch['path']>): string {
  if (typeof p === 'string') return prefixRegex(p);
  if (p.prefix !== undefined) return prefixRegex(p.prefix);
  if (p.exact !== undefined) return escapeRegex(p.exact);
  return p.regex ?? '.*';
}

function prefixRegex(prefix: string): string {
  const trimmed = prefix.replace(/\/$/, '');
  return trimmed === '' ? '/.*' : `${escapeRegex(trimmed)}(/.*)?`;
}
