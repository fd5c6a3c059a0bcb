import { describe, expect, it } from 'vitest';
import { addInclude, addNode, addPolicy, connectNodes, duplicateNodes, moveNodes, removeConnection, removeNodes, setValue } from './document';
import { parsePattern } from './parse';

const BASE = `# my design
apiVersion: meshloom.dev/v1alpha1
kind: Pattern
metadata:
  name: d
  title: Design   # keep me
  category: traffic-management
spec:
  services:
    - {name: web, ports: [8080], calls: [api]}   # the front door
    - {name: api, ports: [8080], versions: [v1, v2]}
`;

function ok(text: string) {
  const r = parsePattern(text);
  expect(r.diagnostics.filter((d) => d.severity === 'error'), text).toEqual([]);
  return r.pattern!;
}

describe('document operations', () => {
  it('adds nodes with unique names and canvas positions, keeping comments', () => {
    const a = addNode(BASE, 'service', { name: 'api', position: { x: 10.4, y: 20 } });
    expect(a.name).toBe('api-2');
    expect(a.text).toContain('# the front door');
    expect(a.text).toMatch(/title: Design +# keep me/);
    const p = ok(a.text);
    expect(p.spec.services.map((s) => s.name)).toEqual(['web', 'api', 'api-2']);
    expect(p.layout?.['api-2']).toEqual({ x: 10, y: 20 });
    const g = addNode(a.text, 'gateway');
    const e = addNode(g.text, 'external');
    expect(ok(e.text).spec.gateways[0]?.name).toBe('gateway');
    expect(ok(e.text).spec.externalServices[0]?.hosts).toEqual(['external.example.com']);
  });

  it('connecting two services adds the call and a route split over the versions', () => {
    const withSvc = addNode(BASE, 'service', { name: 'db' }).text;
    const c = connectNodes(withSvc, { kind: 'service', name: 'db' }, { kind: 'service', name: 'api' });
    const p = ok(c.text);
    expect(p.spec.services.find((s) => s.name === 'db')?.calls).toEqual(['api']);
    expect(p.spec.routes).toHaveLength(1);
    expect(p.spec.routes[0]?.rules[0]?.backends).toEqual([
      { version: 'v1', weight: 50 },
      { version: 'v2', weight: 50 },
    ]);
    // Connecting again changes nothing.
    expect(connectNodes(c.text, { kind: 'service', name: 'db' }, { kind: 'service', name: 'api' }).text).toBe(c.text);
    // A service without versions gets a single backend.
    const d = connectNodes(c.text, { kind: 'service', name: 'api' }, { kind: 'service', name: 'web' });
    expect(ok(d.text).spec.routes).toHaveLength(2);
  });

  it('connecting a gateway to a service routes through the gateway', () => {
    const g = addNode(BASE, 'gateway', { name: 'edge' }).text;
    const c = connectNodes(g, { kind: 'gateway', name: 'edge' }, { kind: 'service', name: 'web' });
    expect(ok(c.text).spec.routes[0]).toMatchObject({ service: 'web', gateway: 'edge' });
    expect(() => connectNodes(g, { kind: 'service', name: 'web' }, { kind: 'gateway', name: 'edge' })).toThrow(/gateway/);
  });

  it('adds policies from templates that are valid as they are', () => {
    for (const kind of ['CircuitBreaker', 'ConnectionLimits', 'RateLimit', 'RetryBudget', 'Retry', 'Timeout', 'HealthCheck', 'LoadBalancing', 'FaultInjection', 'LocalityFailover', 'Authorization'] as const) {
      const r = addPolicy(BASE, kind, { target: 'api' });
      expect(ok(r.text).spec.policies[r.index]?.kind, kind).toBe(kind);
    }
    for (const kind of ['MutualTLS', 'AccessLog', 'Tracing', 'Metrics'] as const) ok(addPolicy(BASE, kind).text);
  });

  it('removing a node removes its routes, policies, calls to it and its layout', () => {
    let t = connectNodes(BASE, { kind: 'service', name: 'web' }, { kind: 'service', name: 'api' }).text;
    t = addPolicy(t, 'CircuitBreaker', { target: 'api' }).text;
    t = addPolicy(t, 'Timeout', { target: 'web' }).text;
    t = moveNodes(t, { api: { x: 1, y: 2 }, web: { x: 3, y: 4 } });
    const p = ok(removeNodes(t, ['api']));
    expect(p.spec.services.map((s) => s.name)).toEqual(['web']);
    expect(p.spec.services[0]?.calls).toEqual([]);
    expect(p.spec.routes).toEqual([]);
    expect(p.spec.policies.map((x) => x.kind)).toEqual(['Timeout']);
    expect(Object.keys(p.layout ?? {})).toEqual(['web']);
  });

  it('removes a call edge', () => {
    expect(ok(removeConnection(BASE, 'web', 'api', 'call')).spec.services[0]?.calls).toEqual([]);
  });

  it('duplicates nodes with their policies under new names', () => {
    let t = addPolicy(BASE, 'RateLimit', { target: 'api' }).text;
    t = moveNodes(t, { api: { x: 100, y: 100 } });
    const d = duplicateNodes(t, ['api']);
    expect(d.names).toEqual(['api-copy']);
    const p = ok(d.text);
    expect(p.spec.policies.filter((x) => x.kind === 'RateLimit').map((x) => x.target)).toEqual(['api', 'api-copy']);
    expect(p.layout?.['api-copy']).toEqual({ x: 140, y: 140 });
  });

  it('sets and removes values at a path', () => {
    expect(ok(setValue(BASE, ['spec', 'services', 1, 'protocol'], 'grpc')).spec.services[1]?.protocol).toBe('grpc');
    expect(setValue(BASE, ['metadata', 'title'], 'New')).toContain('title: New   # keep me');
    expect(ok(setValue(BASE, ['spec', 'services', 0, 'calls'], undefined)).spec.services[0]?.calls).toEqual([]);
  });

  it('adds an include once', () => {
    const t = addInclude(addInclude(BASE, 'circuit-breaker'), 'circuit-breaker');
    expect(parsePattern(t).source).toMatchObject({ spec: { includes: [{ pattern: 'circuit-breaker' }] } });
  });

  it('refuses to edit broken YAML', () => {
    expect(() => addNode('a: [', 'service')).toThrow(/errors/);
  });
});
