/**
 * What Linkerd configures with annotations on objects Meshloom renders as shared workloads:
 *
 * - circuit breaking and passive health checks: consecutive-failures failure accrual, from
 *   `balancer.linkerd.io/failure-accrual*` annotations on the (parent) Service;
 * - access logs: `config.linkerd.io/access-log: apache|json` on the Namespace (the proxy
 *   injector reads it when it injects a pod).
 *
 * The adapter emits just the metadata (a Service or Namespace with annotations); `renderPattern`
 * merges it into the workload object of the same kind, namespace and name.
 */
import type { TPolicy, TService } from '@/patterns/language/schema';
import { durationMs, goDuration } from '../shared/k8s';
import type { TManifest } from '../types';
import type { LinkerdContext } from './context';

export const FAILURE_ACCRUAL = 'balancer.linkerd.io/failure-accrual';
export const ACCESS_LOG = 'config.linkerd.io/access-log';
/** Linkerd's default max penalty (the cap of the backoff between probes of a tripped endpoint). */
const DEFAULT_MAX_PENALTY_MS = 60_000;

type TPath = (string | number)[];

export function renderAnnotations(ctx: LinkerdContext): void {
  renderFailureAccrual(ctx);
  renderAccessLogs(ctx);
}

function renderFailureAccrual(ctx: LinkerdContext): void {
  const byService = new Map<string, { service: TService; annotations: Record<string, string>; path: TPath }>();
  ctx.pattern.spec.policies.forEach((p, pi) => {
    const path: TPath = ['spec', 'policies', pi];
    const accrual = accrualOf(p);
    if (!accrual) return;
    const { feature, consecutiveErrors, ejectionTime } = accrual;
    const s = ctx.policyService(p);
    if (!s) {
      ctx.approx(`${p.kind} on ${p.target ?? p.route}: Linkerd configures failure accrual on meshed Services only; not rendered`, path, 'warning', feature);
      return;
    }
    if (p.route) ctx.approx(`Linkerd's failure accrual is per Service: the ${p.kind} of route ${p.route} applies to all traffic to ${s.name}`, path, 'warning', feature);
    const minMs = Math.max(durationMs(ejectionTime), 1);
    const annotations = {
      [FAILURE_ACCRUAL]: 'consecutive',
      [`${FAILURE_ACCRUAL}-consecutive-max-failures`]: String(consecutiveErrors),
      [`${FAILURE_ACCRUAL}-consecutive-min-penalty`]: goDuration(minMs),
      [`${FAILURE_ACCRUAL}-consecutive-max-penalty`]: goDuration(Math.max(minMs, DEFAULT_MAX_PENALTY_MS)),
    };
    if (p.kind === 'CircuitBreaker') {
      const unexpressed = [
        'interval',
        'maxEjectionPercent',
        ...(p.consecutiveGatewayErrors !== undefined ? ['consecutiveGatewayErrors'] : []),
        ...(p.minHealthPercent !== undefined ? ['minHealthPercent'] : []),
      ];
      ctx.approx(
        `Linkerd trips an endpoint after ${consecutiveErrors} consecutive failures and probes it again after ${annotations[`${FAILURE_ACCRUAL}-consecutive-min-penalty`]} (backing off up to ${annotations[`${FAILURE_ACCRUAL}-consecutive-max-penalty`]}); ${unexpressed.join(', ')} have no equivalent`,
        path,
        'info',
        feature,
      );
    } else {
      ctx.approx('Linkerd watches responses with consecutive-failures failure accrual; the interval has no equivalent', [...path, 'passive'], 'info', feature);
    }
    const key = `${s.namespace}/${s.name}`;
    const previous = byService.get(key);
    if (previous) ctx.approx(`several circuit breakers/passive health checks for ${s.name}: Linkerd has one failure accrual per Service, the last one is rendered`, path, 'warning', feature);
    byService.set(key, { service: s, annotations, path });
  });
  for (const { service, annotations } of byService.values()) {
    ctx.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: service.name, namespace: service.namespace, annotations } });
  }
}

function accrualOf(p: TPolicy): { feature: 'circuit-breaker' | 'health-check-passive'; consecutiveErrors: number; ejectionTime: string } | undefined {
  if (p.kind === 'CircuitBreaker') return { feature: 'circuit-breaker', consecutiveErrors: p.consecutiveErrors, ejectionTime: p.ejectionTime };
  if (p.kind === 'HealthCheck' && p.passive) return { feature: 'health-check-passive', consecutiveErrors: p.passive.consecutiveErrors, ejectionTime: p.passive.ejectionTime };
  return undefined;
}

function renderAccessLogs(ctx: LinkerdContext): void {
  const byNamespace = new Map<string, string>();
  const allNamespaces = [...new Set(ctx.pattern.spec.services.map((s) => s.namespace))];
  ctx.pattern.spec.policies.forEach((p, pi) => {
    if (p.kind !== 'AccessLog') return;
    const path: TPath = ['spec', 'policies', pi];
    let namespaces: string[];
    if (p.target || p.route) {
      const s = ctx.policyService(p);
      if (!s) {
        ctx.approx(`AccessLog on ${p.target ?? p.route}: Linkerd logs in the proxies of meshed workloads only; not rendered`, path, 'warning', 'access-log');
        return;
      }
      namespaces = [s.namespace];
      ctx.approx(`Linkerd enables access logs per namespace (or pod): every meshed pod in namespace ${s.namespace} logs, not only ${s.name}`, path, 'info', 'access-log');
    } else namespaces = p.namespace ? [p.namespace] : allNamespaces;
    if (p.path !== '/dev/stdout') ctx.approx(`Linkerd proxies write access logs to the proxy container's log: path ${p.path} not rendered`, [...path, 'path'], 'info', 'access-log');
    if (p.filter) ctx.approx('Linkerd access logs have no filter: every HTTP request is logged', [...path, 'filter'], 'warning', 'access-log');
    const format = p.format === 'json' ? 'json' : 'apache';
    for (const ns of namespaces) {
      const previous = byNamespace.get(ns);
      if (previous && previous !== format) ctx.approx(`conflicting access log formats for namespace ${ns}: ${format} is rendered`, path, 'warning', 'access-log');
      byNamespace.set(ns, format);
    }
  });
  if (byNamespace.size) {
    ctx.approx('config.linkerd.io/access-log is read when a pod is injected: restart the workloads of an existing namespace', ['spec', 'policies'], 'info', 'access-log');
  }
  for (const [ns, format] of [...byNamespace.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const namespace: TManifest = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, annotations: { [ACCESS_LOG]: format } } };
    ctx.push(namespace);
  }
}
