/**
 * Observability: MeshAccessLog, MeshTrace and MeshMetric.
 */
import type { TPolicy } from '@/patterns/language/schema';
import { kumaPercentage, type KumaContext } from './context';
import { meshWidePlacement } from './placement';

type P<K extends TPolicy['kind']> = Extract<TPolicy, { kind: K }>;

/** Default OpenTelemetry collector when a policy names none. */
export const DEFAULT_OTEL_ENDPOINT = 'otel-collector.observability.svc.cluster.local:4317';

const JSON_FIELDS: [string, string][] = [
  ['start_time', '%START_TIME%'],
  ['method', '%REQ(:METHOD)%'],
  ['path', '%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%'],
  ['protocol', '%PROTOCOL%'],
  ['status', '%RESPONSE_CODE%'],
  ['flags', '%RESPONSE_FLAGS%'],
  ['bytes_received', '%BYTES_RECEIVED%'],
  ['bytes_sent', '%BYTES_SENT%'],
  ['duration_ms', '%DURATION%'],
  ['source', '%KUMA_SOURCE_SERVICE%'],
  ['destination', '%KUMA_DESTINATION_SERVICE%'],
  ['upstream_host', '%UPSTREAM_HOST%'],
  ['request_id', '%REQ(X-REQUEST-ID)%'],
];

export function renderAccessLog(ctx: KumaContext, p: P<'AccessLog'>, path: (string | number)[]): void {
  const at = meshWidePlacement(ctx, p, path, { feature: 'access-log', what: 'access logging' });
  if (!at) return;
  if (p.filter) ctx.approx(`Kuma access logs have no filter: every request is logged (filter "${p.filter}" ignored)`, [...path, 'filter'], 'warning', 'access-log');
  const format = p.format === 'json' ? { type: 'Json', json: JSON_FIELDS.map(([key, value]) => ({ key, value })) } : { type: 'Plain' };
  const def = { backends: [{ type: 'File', file: { path: p.path, format } }] };
  // A gateway logs what it forwards (to); a workload what it receives (rules).
  const spec = at.gateway ? { targetRef: at.targetRef, to: [{ targetRef: { kind: 'Mesh' }, default: def }] } : { targetRef: at.targetRef, rules: [{ default: def }] };
  ctx.push(ctx.policy('MeshAccessLog', ctx.name(at.label, 'access-log'), at.namespace, spec));
}

export function renderTracing(ctx: KumaContext, p: P<'Tracing'>, path: (string | number)[]): void {
  const at = meshWidePlacement(ctx, p, path, { feature: 'tracing', what: 'tracing' });
  if (!at) return;
  let backend: Record<string, unknown>;
  const endpoint = p.endpoint;
  switch (p.provider) {
    case 'zipkin':
    case 'jaeger': {
      const host = endpoint ?? (p.provider === 'jaeger' ? 'jaeger-collector.observability.svc.cluster.local:9411' : 'zipkin.observability.svc.cluster.local:9411');
      if (p.provider === 'jaeger') ctx.approx("Kuma has no Jaeger backend: spans go to Jaeger's Zipkin-compatible endpoint", [...path, 'provider'], 'info', 'tracing');
      backend = { type: 'Zipkin', zipkin: { url: host.includes('://') ? host : `http://${host}/api/v2/spans` } };
      break;
    }
    case 'datadog':
      backend = { type: 'Datadog', datadog: { url: endpoint ? (endpoint.includes('://') ? endpoint : `http://${endpoint}`) : 'http://datadog-agent.datadog.svc.cluster.local:8126' } };
      break;
    default:
      backend = { type: 'OpenTelemetry', openTelemetry: { endpoint: endpoint ?? DEFAULT_OTEL_ENDPOINT } };
  }
  if (!endpoint) ctx.approx('no tracing endpoint given: a conventional collector address in namespace observability is used', [...path, 'endpoint'], 'info', 'tracing');
  const def: Record<string, unknown> = { backends: [backend], sampling: { overall: kumaPercentage(p.samplingPercentage) } };
  if (p.tags && Object.keys(p.tags).length) def.tags = Object.entries(p.tags).map(([name, literal]) => ({ name, literal }));
  ctx.push(ctx.policy('MeshTrace', ctx.name(at.label, 'trace'), at.namespace, { targetRef: at.targetRef, default: def }));
}

export function renderMetrics(ctx: KumaContext, p: P<'Metrics'>, path: (string | number)[]): void {
  const at = meshWidePlacement(ctx, p, path, { feature: 'metrics', what: 'metrics' });
  if (!at) return;
  if (p.tags && Object.keys(p.tags).length) ctx.approx('MeshMetric cannot add dimensions to request metrics: tags are not rendered', [...path, 'tags'], 'warning', 'metrics');
  const backend =
    p.provider === 'opentelemetry'
      ? { type: 'OpenTelemetry', openTelemetry: { endpoint: DEFAULT_OTEL_ENDPOINT } }
      : { type: 'Prometheus', prometheus: { port: 5670, path: '/metrics' } };
  if (p.provider === 'opentelemetry') ctx.approx('metrics are pushed to a conventional OpenTelemetry collector address in namespace observability', path, 'info', 'metrics');
  ctx.push(ctx.policy('MeshMetric', ctx.name(at.label, 'metrics'), at.namespace, { targetRef: at.targetRef, default: { backends: [backend] } }));
}
