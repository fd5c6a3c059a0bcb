import { describe, expect, it } from 'vitest';
import { findAll, pattern, specOf } from '../_testing/fixtures';
import { gatewayApiAdapter } from './index';

const render = (spec: string) => gatewayApiAdapter.render(pattern(spec));

describe('gateway-api adapter', () => {
  it('splits 90/10 across one Service per version, in a GAMMA HTTPRoute on the Service', () => {
    const { manifests } = render(`  services:
    - {name: productpage, calls: [reviews]}
    - {name: reviews, ports: [9080], versions: [v1, v2, v3]}
  routes:
    - service: reviews
      rules:
        - backends: [{version: v1, weight: 90}, {version: v2, weight: 10}]
`);
    const route = specOf(findAll(manifests, 'HTTPRoute', 'reviews')[0]);
    expect(route.parentRefs).toEqual([{ group: '', kind: 'Service', name: 'reviews' }]);
    expect(route.rules[0].backendRefs).toEqual([
      { name: 'reviews-v1', port: 9080, weight: 90 },
      { name: 'reviews-v2', port: 9080, weight: 10 },
    ]);
    const versions = findAll(manifests, 'Service');
    expect(versions.map((m) => m.metadata.name)).toEqual(['reviews-v1', 'reviews-v2']);
    expect(specOf(versions[0]).selector).toEqual({ app: 'reviews', version: 'v1' });
  });

  it('renders matches, filters and timeouts; retries stay out of the standard channel', () => {
    const { manifests } = render(`  services:
    - {name: api}
    - {name: search, versions: [v1]}
  routes:
    - service: api
      rules:
        - match: {path: /search, method: [GET, HEAD], headers: {x-env: {prefix: beta}}}
          backends: [{service: search}]
          rewrite: {prefix: /}
          mirror: {service: search, version: v1, percentage: 5}
          timeout: 2s
          retries: {attempts: 3, perTryTimeout: 500ms}
        - match: {path: {exact: /old}}
          redirect: {path: /new, statusCode: 301}
        - backends: [{service: api}]
`);
    const rules = specOf(findAll(manifests, 'HTTPRoute', 'api')[0]).rules;
    expect(rules[0].matches).toEqual([
      { path: { type: 'PathPrefix', value: '/search' }, headers: [{ name: 'x-env', type: 'RegularExpression', value: '^beta.*' }], method: 'GET' },
      { path: { type: 'PathPrefix', value: '/search' }, headers: [{ name: 'x-env', type: 'RegularExpression', value: '^beta.*' }], method: 'HEAD' },
    ]);
    expect(rules[0].filters).toEqual([
      { type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } },
      { type: 'RequestMirror', requestMirror: { backendRef: { name: 'search-v1', port: 80 }, percent: 5 } },
    ]);
    expect(rules[0].timeouts).toEqual({ request: '2s', backendRequest: '500ms' });
    expect(rules[0].retry).toBeUndefined();
    expect(rules[1]).toEqual({ matches: [{ path: { type: 'Exact', value: '/old' } }], filters: [{ type: 'RequestRedirect', requestRedirect: { path: { type: 'ReplaceFullPath', replaceFullPath: '/new' }, statusCode: 301 } }] });
    expect(gatewayApiAdapter.capabilities.retries.level).toBe('none');
  });

  it('does not broaden a rule whose match needs the source service', () => {
    const { manifests, diagnostics } = render(`  services:
    - {name: web}
    - {name: api, versions: [v1, v2]}
  routes:
    - service: api
      rules:
        - {match: {from: [web]}, backends: [{version: v2}]}
        - backends: [{version: v1}]
`);
    const rules = specOf(findAll(manifests, 'HTTPRoute', 'api')[0]).rules;
    expect(rules).toHaveLength(1);
    expect(rules[0].backendRefs).toEqual([{ name: 'api-v1', port: 80 }]);
    expect(diagnostics.some((d) => d.feature === 'source-match')).toBe(true);
  });

  it('renders gateways with one listener per host, TLSRoute for passthrough and GRPCRoute for gRPC', () => {
    const { manifests, diagnostics } = render(`  services:
    - {name: idp, protocol: tcp, ports: [8443]}
    - {name: grpc-api, protocol: grpc, ports: [50051]}
  gateways:
    - name: edge
      namespace: ingress
      listeners:
        - {port: 443, protocol: tls, hosts: [a.example, b.example], tls: {mode: passthrough}}
  routes:
    - {service: idp, gateway: edge, hosts: [a.example], rules: [{backends: [{service: idp}]}]}
    - service: grpc-api
      rules:
        - {match: {path: {exact: /pkg.Svc/Get}}, backends: [{service: grpc-api}]}
`);
    const gw = specOf(findAll(manifests, 'Gateway', 'edge')[0]);
    expect(gw.gatewayClassName).toBe('meshloom');
    expect(gw.listeners.map((l: any) => [l.name, l.hostname, l.protocol, l.tls.mode])).toEqual([
      ['tls-443-0', 'a.example', 'TLS', 'Passthrough'],
      ['tls-443-1', 'b.example', 'TLS', 'Passthrough'],
    ]);
    expect(diagnostics.some((d) => d.message.includes('gatewayClassName'))).toBe(true);
    const tls = specOf(findAll(manifests, 'TLSRoute', 'idp-edge')[0]);
    expect(tls).toEqual({ parentRefs: [{ name: 'edge', namespace: 'ingress' }], hostnames: ['a.example'], rules: [{ backendRefs: [{ name: 'idp', port: 8443 }] }] });
    expect(findAll(manifests, 'ReferenceGrant')).toHaveLength(0);
    const grpc = specOf(findAll(manifests, 'GRPCRoute', 'grpc-api')[0]);
    expect(grpc.rules[0].matches).toEqual([{ method: { type: 'Exact', service: 'pkg.Svc', method: 'Get' } }]);
  });

  it('does not render unsupported policies, and is deterministic', () => {
    const s = `  services:
    - {name: api}
  policies:
    - {kind: CircuitBreaker, target: api}
    - {kind: MutualTLS}
    - {kind: Authorization, target: api}
`;
    expect(render(s).manifests).toEqual([]);
    expect(render(s)).toEqual(render(s));
  });
});
