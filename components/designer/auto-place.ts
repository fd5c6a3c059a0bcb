import type { TPatternGraph } from '@/patterns/language/graph';
import { NODE_BOX } from '@/patterns/language/layout';

type TPoint = { x: number; y: number };

const COL = NODE_BOX.width + 200;
const ROW = 150;
const MAX_ROWS = 40;

/**
 * Instant placement for nodes that have no position: columns by call depth (gateways first,
 * external services last), wrapping tall columns. O(nodes + edges), for any graph size; ELK
 * gives nicer results for small graphs and runs asynchronously.
 */
export function gridPositions(graph: TPatternGraph, known: Record<string, TPoint>): Record<string, TPoint> {
  const depth = new Map<string, number>();
  const incoming = new Map<string, number>();
  const out = new Map<string, string[]>();
  for (const e of graph.edges) {
    incoming.set(e.target, (incoming.get(e.target) ?? 0) + 1);
    (out.get(e.source) ?? out.set(e.source, []).get(e.source)!).push(e.target);
  }
  const queue: string[] = [];
  for (const n of graph.nodes) {
    if (n.type === 'gateway' || !incoming.get(n.id)) {
      depth.set(n.id, n.type === 'gateway' ? 0 : 1);
      queue.push(n.id);
    }
  }
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i]!;
    const d = depth.get(id)!;
    for (const next of out.get(id) ?? []) {
      if (depth.has(next)) continue;
      depth.set(next, Math.min(d + 1, 12));
      queue.push(next);
    }
  }
  const maxDepth = Math.max(1, ...depth.values());
  const columns = new Map<number, number>();
  const result: Record<string, TPoint> = {};
  const placedRight = Math.max(0, ...Object.values(known).map((p) => p.x + COL));
  for (const n of graph.nodes) {
    if (known[n.id]) continue;
    const d = n.type === 'external' ? maxDepth + 1 : (depth.get(n.id) ?? 1);
    const row = columns.get(d) ?? 0;
    columns.set(d, row + 1);
    const wrap = Math.floor(row / MAX_ROWS);
    result[n.id] = { x: (Object.keys(known).length ? placedRight : 0) + (d + wrap * (maxDepth + 2)) * COL, y: (row % MAX_ROWS) * ROW };
  }
  return result;
}
