import { describe, expect, it } from 'vitest';
import { bookinfoServices, findAll as find, one, pattern, reviewsRoute, SPLIT_RULE } from '../_testing/fixtures';
import { renderWithAdapter } from '../render';
import { smiAdapter } from './index';

const canary = pattern(bookinfoServices() + reviewsRoute('{name: opt-in, match: {headers: {x-canary: always}, method: GET}, backends: [{version: v2}]}', SPLIT_RULE));

describe('smi adapter: traffic split', () => {
  it('splits 90/10 across per-version Services with the pattern service as apex', () => {
    const { manifests } = smiAdapter.render(canary);
    const split = one(manifests, 'TrafficSplit', 'reviews');
    expect(split.apiVersion).toBe('split.smi-spec.io/v1alpha4');
    expect(split.spec).toEqual({ service: 'reviews', backends: [{ service: 'reviews-v1', weight: 90 }, { service: 'reviews-v2', weight: 10 }] });
    expect(one(manifests, 'Service', 'reviews-v1').spec.selector).toEqual({ app: 'reviews', version: 'v1' });
  });

  it('matched rules become a TrafficSplit with matches naming an HTTPRouteGroup', () => {
    const { manifests } = smiAdapter.render(canary);
    const group = one(manifests, 'HTTPRouteGroup', 'reviews-opt-in');
    expect(group.spec.matches).toEqual([{ name: 'match-1', methods: ['GET'], headers: [{ 'x-canary': '^always$' }] }]);
    const split = one(manifests, 'TrafficSplit', 'reviews-opt-in');
    expect(split.spec.matches).toEqual([{ kind: 'HTTPRouteGroup', name: 'reviews-opt-in' }]);
    expect(split.spec.backends).toEqual([{ service: 'reviews-v2', weight: 1 }]);
  });

  it('renders nothing for what SMI lacks, without crashing', () => {
    const p = pattern(`
  services: [{name: a}]
  policies:
    - {kind: Retry, target: a, attempts: 2}
    - {kind: CircuitBreaker, target: a}
`);
    const result = renderWithAdapter(smiAdapter, p);
    expect(result.manifests.filter((m) => !['Namespace', 'ConfigMap', 'ServiceAccount', 'Service', 'Deployment'].includes(m.kind))).toEqual([]);
    expect(result.diagnostics.filter((d) => d.code === 'ML4001').map((d) => d.feature)).toEqual(['retries', 'circuit-breaker']);
  });

  it('is deterministic and shares no arrays between objects', () => {
    const a = smiAdapter.render(canary);
    expect(a).toEqual(smiAdapter.render(canary));
    const groups = a.manifests.filter((m) => m.kind === 'HTTPRouteGroup') as any[];
    expect(groups[0].spec.matches[0].methods).not.toBe(canary.spec.routes[0]?.rules[0]?.match[0]?.method);
  });
});

describe('smi adapter: access', () => {
  it('allow rules become TrafficTargets between ServiceAccounts with an HTTPRouteGroup', () => {
    const { manifests } = smiAdapter.render(pattern(`
  services:
    - {name: orders, namespace: shop, calls: [payments]}
    - {name: payments, namespace: pay}
  policies:
    - kind: Authorization
      target: payments
      rules: [{from: {services: [orders]}, to: {paths: [/charges, /refunds/*], methods: [POST]}}]
`));
    const tt = one(manifests, 'TrafficTarget');
    expect(tt.apiVersion).toBe('access.smi-spec.io/v1alpha3');
    expect(tt.spec.destination).toEqual({ kind: 'ServiceAccount', name: 'payments', namespace: 'pay' });
    expect(tt.spec.sources).toEqual([{ kind: 'ServiceAccount', name: 'orders', namespace: 'shop' }]);
    const group = one(manifests, 'HTTPRouteGroup', tt.spec.rules[0].name);
    expect(group.spec.matches).toEqual([
      { name: 'request-1', pathRegex: '/charges$', methods: ['POST'] },
      { name: 'request-2', pathRegex: '/refunds/.*', methods: ['POST'] },
    ]);
    expect(tt.spec.rules[0].matches).toEqual(['request-1', 'request-2']);
  });

  it('TCP services are allowed by port with a TCPRoute', () => {
    const { manifests } = smiAdapter.render(pattern(`
  services:
    - {name: app}
    - {name: db, protocol: tcp, ports: [{port: 5432, targetPort: 5432}]}
  policies:
    - {kind: Authorization, target: db, rules: [{from: {services: [app]}}]}
`));
    const tt = one(manifests, 'TrafficTarget');
    expect(tt.spec.rules).toEqual([{ kind: 'TCPRoute', name: tt.metadata.name }]);
    expect(one(manifests, 'TCPRoute').spec).toEqual({ matches: { ports: [5432] } });
  });

  it('allow without rules and deny-all render no TrafficTarget (SMI denies by default); deny rules are reported', () => {
    const { manifests, diagnostics } = smiAdapter.render(pattern(`
  services: [{name: a}, {name: b}]
  policies:
    - {kind: Authorization, target: a}
    - {kind: Authorization, target: b, action: deny, rules: [{from: {services: [a]}}]}
`));
    expect(find(manifests, 'TrafficTarget')).toHaveLength(0);
    expect(diagnostics.some((d) => d.path?.join('.') === 'spec.policies.1')).toBe(true);
  });

  it('sources SMI cannot name are reported, not widened', () => {
    const { manifests, diagnostics } = smiAdapter.render(pattern(`
  services: [{name: a}]
  policies:
    - {kind: Authorization, target: a, rules: [{from: {namespaces: [ops]}}]}
`));
    expect(find(manifests, 'TrafficTarget')).toHaveLength(0);
    expect(diagnostics.some((d) => d.code === 'ML4006' && d.feature === 'authorization-source')).toBe(true);
  });
});
