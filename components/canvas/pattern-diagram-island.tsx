'use client';
import dynamic from 'next/dynamic';
import type { TPatternGraph } from '@/patterns/language/graph';
import type { TPoint } from '@/patterns/language/layout';

// React Flow loads in the browser only, after the page's text: the diagram never delays reading.
const PatternDiagram = dynamic(() => import('./pattern-diagram').then((m) => m.PatternDiagram), {
  ssr: false,
  loading: () => <div className="diagram-loading" aria-hidden="true" />,
});

export function PatternDiagramIsland({ graph, positions, labels }: { graph: TPatternGraph; positions: Record<string, TPoint>; labels?: Record<string, TPoint> }) {
  return <PatternDiagram graph={graph} positions={positions} labels={labels} height={Math.min(560, 260 + graph.nodes.length * 30)} />;
}
