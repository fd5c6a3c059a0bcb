import { describe, expect, it } from 'vitest';
import { bookinfoServices, HEADER_RULE, reviewsRoute, SPLIT_RULE, findAll, findOne, pattern as makePattern, type TAnyManifest } from '../_testing/fixtures';
import { renderWithAdapter } from '../render';
import type { TManifest } from '../types';
import { osmAdapter } from './index';

const pattern = (spec: string) => makePattern(spec, 'resiliency');
const all = (ms: TManifest[], kind: string) => findAll(ms, kind) as TAnyManifest[];

const SERVICES = bookinfoServices();

describe('osm adapter', () => {
  it('renders a 90/10 split as a TrafficSplit over per-version Services', () => {
    const p = pattern(SERVICES + reviewsRoute(HEADER_RULE, SPLIT_RULE));
    const { manifests, diagnostics } = osmAdapter.render(p);
    const split = findOne(manifests, 'TrafficSplit', 't-reviews');
    expect(split?.apiVersion).toBe('split.smi-spec.io/v1alpha2');
    expect(split?.spec).toEqual({ service: 'reviews', backends: [{ service: 'reviews-v1', weight: 90 }, { service: 'reviews-v2', weight: 10 }] });
    expect(findOne(manifests, 'Service', 'reviews-v2')?.spec.selector).toEqual({ app: 'reviews', version: 'v2' });
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
    expect(findOne(manifests, 'MeshConfig', 'osm-mesh-config')?.spec.featureFlags).toEqual({ enableRetryPolicy: true });
  });

  it('merges limits and local rate limits into one UpstreamTrafficSetting', () => {
    const p = pattern(`${SERVICES}  policies:
    - {kind: ConnectionLimits, target: reviews, maxConnections: 100, maxPendingRequests: 10}
    - {kind: RateLimit, target: reviews, requests: 120, interval: 1m, burst: 10}
`);
    const uts = findOne(osmAdapter.render(p).manifests, 'UpstreamTrafficSetting', 't-reviews')?.spec;
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
    expect(findOne(manifests, 'HTTPRouteGroup', 't-api-rule-0')?.spec.matches).toEqual([{ name: 'path-0', pathRegex: '/v1/.*', methods: ['GET'] }]);
    expect(findOne(manifests, 'MeshConfig', 'osm-mesh-config')?.spec.traffic).toEqual({ enablePermissiveTrafficPolicyMode: false });
  });

  it('renders Egress for callers of an external service', () => {
    const p = pattern(`  services:
    - {name: web, calls: [stripe]}
  externalServices:
    - {name: stripe, hosts: [api.stripe.com]}
`);
    const egress = findOne(osmAdapter.render(p).manifests, 'Egress', 't-stripe')?.spec;
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
