import { describe, expect, it } from 'vitest';
import { parsePattern, type TPattern } from '@/patterns/language';
import { renderWithAdapter } from '../render';
import type { TManifest } from '../types';
import { osmAdapter } from './index';

function pattern(spec: string): TPattern {
  const text = `apiVersion: meshloom.dev/v1alpha1\nkind: Pattern\nmetadata: {name: t, title: T, category: resiliency}\nspec:\n${spec}`;
  const parsed = parsePattern(text);
  if (!parsed.pattern) throw new Error(JSON.stringify(parsed.diagnostics));
  return parsed.pattern;
}
const find = (ms: TManifest[], kind: string, name: string) => ms.find((m) => m.kind === kind && m.metadata.name === name) as (TManifest & { spec: any }) | undefined;
const all = (ms: TManifest[], kind: string) => ms.filter((m) => m.kind === kind) as (TManifest & { spec: any })[];

const SERVICES = `  services:
    - {name: productpage, calls: [reviews]}
    - {name: reviews, versions: [v1, v2]}
`;

describe('osm adapter', () => {
  it('renders a 90/10 split as a TrafficSplit over per-version Services', () => {
    const p = pattern(`${SERVICES}  routes:
    - service: reviews
      rules:
        - {match: {headers: {x-canary: always}}, backends: [{version: v2}]}
        - backends: [{version: v1, weight: 90}, {version: v2, weight: 10}]
`);
    const { manifests, diagnostics } = osmAdapter.render(p);
    const split = find(manifests, 'TrafficSplit', 't-reviews');
    expect(split?.apiVersion).toBe('split.smi-spec.io/v1alpha2');
    expect(split?.spec).toEqual({ service: 'reviews', backends: [{ service: 'reviews-v1', weight: 90 }, { service: 'reviews-v2', weight: 10 }] });
    expect(find(manifests, 'Service', 'reviews-v2')?.spec.selector).toEqual({ app: 'reviews', version: 'v2' });
    // The header-matched rule cannot be expressed: reported, not silently dropped.
    expect(diagnostics.some((d) => d.code === 'ML4006' && d.path?.join('.') === 'spec.routes.0.rules.0')).toBe(true);
  });

  it('renders a Retry per calling ServiceAccount and enables retry policies', () => {
    const p = pattern(`${SERVICES}  policies:
    - {kind: Retry, target: reviews, attempts: 3, perTryTimeout: 500ms, backoff: {base: 50ms}}
`);
    const { manifests } = osmAdapter.render(p);
    const retry = all(manifests, 'Retry');
    expect(retry).toHaveLength(1);
    expect(retry[0]?.spec).toEqual({
      source: { kind: 'ServiceAccount', name: 'productpage', namespace: 'default' },
      destinations: [{ kind: 'Service', name: 'reviews', namespace: 'default' }],
      retryPolicy: { retryOn: '5xx,connect-failure,reset', perTryTimeout: '500ms', numRetries: 3, retryBackoffBaseInterval: '50ms' },
    });
    expect(find(manifests, 'MeshConfig', 'osm-mesh-config')?.spec.featureFlags).toEqual({ enableRetryPolicy: true });
  });

  it('merges limits and local rate limits into one UpstreamTrafficSetting', () => {
    const p = pattern(`${SERVICES}  policies:
    - {kind: ConnectionLimits, target: reviews, maxConnections: 100, maxPendingRequests: 10}
    - {kind: RateLimit, target: reviews, requests: 120, interval: 1m, burst: 10}
`);
    const uts = find(osmAdapter.render(p).manifests, 'UpstreamTrafficSetting', 't-reviews')?.spec;
    expect(uts).toEqual({
      host: 'reviews.default.svc.cluster.local',
      connectionSettings: { tcp: { maxConnections: 100 }, http: { maxPendingRequests: 10 } },
      rateLimit: { local: { http: { requests: 120, unit: 'minute', burst: 10, responseStatusCode: 429 } } },
    });
  });

  it('allows nothing for an allow policy without rules, and declared callers elsewhere', () => {
    const p = pattern(`  services:
    - {name: web, calls: [api, db]}
    - {name: api, calls: [db]}
    - {name: db}
  policies:
    - {kind: Authorization, target: db}
    - kind: Authorization
      target: api
      rules:
        - {from: {services: [web]}, to: {paths: [/v1/*], methods: [GET]}}
`);
    const { manifests } = osmAdapter.render(p);
    const targets = all(manifests, 'TrafficTarget');
    expect(targets.map((t) => t.spec.destination.name)).toEqual(['api']);
    expect(targets[0]?.spec.sources).toEqual([{ kind: 'ServiceAccount', name: 'web', namespace: 'default' }]);
    expect(find(manifests, 'HTTPRouteGroup', 't-api-rule-0')?.spec.matches).toEqual([{ name: 'path-0', pathRegex: '/v1/.*', methods: ['GET'] }]);
    expect(find(manifests, 'MeshConfig', 'osm-mesh-config')?.spec.traffic).toEqual({ enablePermissiveTrafficPolicyMode: false });
  });

  it('renders Egress for callers of an external service', () => {
    const p = pattern(`  services:
    - {name: web, calls: [stripe]}
  externalServices:
    - {name: stripe, hosts: [api.stripe.com]}
`);
    const egress = find(osmAdapter.render(p).manifests, 'Egress', 't-stripe')?.spec;
    expect(egress).toEqual({ sources: [{ kind: 'ServiceAccount', name: 'web', namespace: 'default' }], hosts: ['api.stripe.com'], ports: [{ number: 443, protocol: 'https' }] });
  });

  it('renders nothing (and does not crash) for features OSM lacks, deterministically', () => {
    const p = pattern(`  services:
    - {name: reviews}
  policies:
    - {kind: FaultInjection, target: reviews, abort: {httpStatus: 503, percentage: 5}}
    - {kind: CircuitBreaker, target: reviews}
    - {kind: LoadBalancing, target: reviews, algorithm: least-request}
`);
    const a = renderWithAdapter(osmAdapter, p);
    expect(a).toEqual(renderWithAdapter(osmAdapter, p));
    expect(a.manifests.filter((m) => !['Namespace', 'ConfigMap', 'ServiceAccount', 'Service', 'Deployment'].includes(m.kind))).toEqual([]);
    expect(a.diagnostics.filter((d) => d.code === 'ML4001').map((d) => d.feature)).toEqual(['fault-abort', 'circuit-breaker', 'load-balancing']);
    const ns = a.manifests.find((m) => m.kind === 'Namespace');
    expect(ns?.metadata.labels?.['openservicemesh.io/monitored-by']).toBe('osm');
    expect(ns?.metadata.annotations?.['openservicemesh.io/sidecar-injection']).toBe('enabled');
  });
});
