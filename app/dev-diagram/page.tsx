import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PatternDiagram } from '@/components/canvas';
import { patternToGraph } from '@/patterns/language/graph';
import { layoutGraph } from '@/patterns/language/layout';
import { parsePattern } from '@/patterns/language';

export const dynamic = 'force-dynamic';

export default async function DevDiagramPage({ searchParams }: { searchParams: Promise<{ p?: string; mini?: string }> }) {
  const { p = 'header-path-routing', mini } = await searchParams;
  const file = /^[a-z0-9-]+$/.test(p) ? p : 'header-path-routing';
  const r = parsePattern(readFileSync(join(process.cwd(), 'patterns/catalog', `${file}.yaml`), 'utf8'));
  if (!r.pattern) return <pre>{JSON.stringify(r.diagnostics, null, 2)}</pre>;
  const graph = patternToGraph(r.pattern);
  const positions = await layoutGraph(graph, { saved: r.pattern.layout });
  return (
    <>
      <h1>{r.pattern.metadata.title}</h1>
      <PatternDiagram graph={graph} positions={positions} label={`Diagram of ${r.pattern.metadata.title}`} minimap={mini === '1'} />
    </>
  );
}
