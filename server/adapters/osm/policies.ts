/**
 * Mesh-wide policies on OSM: tracing is a MeshConfig setting (Zipkin protocol), sidecars always
 * write access logs to stdout, and metrics are scraped from namespaces annotated
 * `openservicemesh.io/metrics: enabled` (the adapter's namespace decoration). mTLS is always on.
 */
import type { OsmContext, TPath } from './context';

export function renderObservability(ctx: OsmContext) {
  let traced = false;
  ctx.pattern.spec.policies.forEach((p, i) => {
    const path: TPath = ['spec', 'policies', i];
    if (p.kind === 'Tracing') {
      if (traced) {
        ctx.diag(path, 'OSM has one tracing configuration for the mesh: only the first Tracing policy is rendered', 'tracing');
        return;
      }
      traced = true;
      if (p.provider !== 'zipkin' && p.provider !== 'jaeger') ctx.diag([...path, 'provider'], `OSM sends spans with the Zipkin protocol: point it at a Zipkin-compatible ${p.provider} collector endpoint`, 'tracing');
      const [address = 'jaeger.osm-system.svc.cluster.local', port = '9411'] = (p.endpoint ?? '').split(':').filter(Boolean);
      if (!p.endpoint) ctx.diag(path, `no collector endpoint given: OSM's default ${address}:${port} is used`, 'tracing', 'info');
      ctx.feature('observability', { tracing: { enable: true, address, port: Number(port), endpoint: '/api/v2/spans' } });
      if (p.samplingPercentage !== 100 || p.tags) ctx.diag(path, 'OSM\'s tracing has no sampling rate or custom tags: not rendered', 'tracing');
      if (p.target || p.route || p.namespace) ctx.diag(path, 'OSM tracing is mesh-wide (MeshConfig)', 'tracing', 'info');
    } else if (p.kind === 'AccessLog') {
      if (p.format !== 'text' || p.path !== '/dev/stdout' || p.filter) ctx.diag(path, 'OSM sidecars always log every request to stdout in OSM\'s format: format, path and filter are not configurable', 'access-log');
    } else if (p.kind === 'Metrics') {
      if (p.provider !== 'prometheus' || p.tags) ctx.diag(path, 'OSM exposes Prometheus metrics only, without extra dimensions', 'metrics');
    }
  });
}

/** Policies OSM cannot express beyond what the capability declaration reports. */
export function renderOtherPolicies(ctx: OsmContext) {
  ctx.pattern.spec.policies.forEach((p, i) => {
    if (p.kind === 'MutualTLS' && p.mode !== 'strict') {
      ctx.diag(['spec', 'policies', i, 'mode'], `OSM always uses mTLS between sidecars: mode ${p.mode} is not expressible`, 'mtls');
    }
  });
}
