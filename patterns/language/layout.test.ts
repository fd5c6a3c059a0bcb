import { describe, expect, it } from 'vitest';
import { patternToGraph, type TPatternGraph } from './graph';
import { edgeLabelSize, layoutGraph, layoutGraphWithLabels, NODE_BOX, nodeSize, type TPoint } from './layout';
import { parsePattern } from './parse';
import { CATALOG_FIXTURES, generatePattern, HEADER } from './test-fixtures';

function graphOf(text: string): TPatternGraph {
  const r = parsePattern(text);
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return patternToGraph(r.pattern!);
}

function overlaps(graph: TPatternGraph, pos: Record<string, TPoint>): string[] {
  const boxes = graph.nodes.map((n) => ({ id: n.id, ...pos[n.id]!, ...nodeSize(n) }));
  const out: string[] = [];
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i]!;
      const b = boxes[j]!;
      if (a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height) out.push(`${a.id} × ${b.id}`);
    }
  return out;
}

const SMALL = `${HEADER}  services:
    - {name: web, calls: [api, search]}
    - {name: api, versions: [v1, v2], calls: [payments]}
    - {name: search, versions: [v1]}
    - {name: lonely}
  gateways:
    - {name: edge}
  externalServices:
    - {name: payments, hosts: [api.payments.example]}
  routes:
    - {service: web, gateway: edge, rules: [{backends: [{service: web}]}]}
    - service: api
      rules:
        - backends: [{version: v1, weight: 90}, {version: v2, weight: 10}]
  policies:
    - {kind: CircuitBreaker, target: api}
    - {kind: RateLimit, target: api, requests: 50}
`;

describe('layoutGraph', () => {
  it('places every node, left to right, without overlaps', async () => {
    const g = graphOf(SMALL);
    const pos = await layoutGraph(g);
    expect(Object.keys(pos).sort()).toEqual(g.nodes.map((n) => n.id).sort());
    expect(overlaps(g, pos)).toEqual([]);
    expect(pos['gateway:edge']!.x).toBeLessThan(pos['service:web']!.x);
    expect(pos['service:web']!.x).toBeLessThan(pos['service:api']!.x);
    expect(pos['service:api']!.x).toBeLessThan(pos['external:payments']!.x);
    for (const n of g.nodes) if (n.id !== 'external:payments') expect(pos[n.id]!.x).toBeLessThan(pos['external:payments']!.x);
  });

  it('keeps saved positions and places the others apart', async () => {
    const g = graphOf(SMALL);
    const saved = { web: { x: 500, y: -40 }, payments: { x: 10.5, y: 20 }, 'not-a-node': { x: 0, y: 0 } };
    const pos = await layoutGraph(g, { saved });
    expect(pos['service:web']).toEqual({ x: 500, y: -40 });
    expect(pos['external:payments']).toEqual({ x: 10.5, y: 20 });
    expect(Object.keys(pos)).toHaveLength(g.nodes.length);
    expect(overlaps(g, pos)).toEqual([]);
  });

  it('needs no ELK when every node is saved', async () => {
    const g = graphOf(`${HEADER}  services:\n    - {name: a}\n`);
    expect(await layoutGraph(g, { saved: { a: { x: 1, y: 2 } } })).toEqual({ 'service:a': { x: 1, y: 2 } });
  });

  it.each(['header-path-routing.yaml', 'canary-deployment.yaml', 'path-based-routing.yaml'].filter((f) => f in CATALOG_FIXTURES))(
    '%s lays out without overlaps',
    async (file) => {
      const g = graphOf(CATALOG_FIXTURES[file]!);
      const pos = await layoutGraph(g);
      expect(Object.keys(pos)).toHaveLength(g.nodes.length);
      expect(overlaps(g, pos)).toEqual([]);
    },
  );

  it.each([100, 1000])('lays out %i generated services', async (n) => {
    const g = graphOf(generatePattern(n));
    const times: string[] = [];
    for (let i = 0; i < 2; i++) {
      const t = performance.now();
      const pos = await layoutGraph(g);
      times.push(`${(performance.now() - t).toFixed(0)} ms`);
      expect(Object.keys(pos)).toHaveLength(n);
    }
    console.info(`layoutGraph(${n} services, ${g.edges.length} edges): ${times.join(', then ')}`);
  });
});

describe('edge labels', () => {
  it('leave room between layers for the label', async () => {
    const g = graphOf(`${HEADER}  services:
    - {name: a, calls: [b]}
    - {name: b, versions: [v1, v2]}
  routes:
    - service: b
      rules:
        - {match: {headers: {x-user-group: beta-testers}}, backends: [{version: v2}]}
        - {backends: [{version: v1}]}
`);
    const pos = await layoutGraph(g);
    const gap = pos['service:b']!.x - pos['service:a']!.x - nodeSize(g.nodes[0]!).width;
    expect(gap).toBeGreaterThan(edgeLabelSize(g.edges[0]!)!.width);
  });
});

describe('layoutGraphWithLabels', () => {
  it('gives a label centre between the two nodes of each labelled edge', async () => {
    const g = graphOf(CATALOG_FIXTURES['path-based-routing.yaml'] ?? SMALL);
    const { nodes, labels } = await layoutGraphWithLabels(g);
    const labelled = g.edges.filter((e) => edgeLabelSize(e));
    expect(Object.keys(labels).sort()).toEqual(labelled.map((e) => e.id).sort());
    for (const e of labelled) {
      const at = labels[e.id]!;
      expect(at.x).toBeGreaterThan(nodes[e.source]!.x + NODE_BOX.width);
      expect(at.x).toBeLessThan(nodes[e.target]!.x);
    }
  });
});
