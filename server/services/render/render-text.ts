import { parsePattern, type TDiagnostic } from '@/patterns/language';
import type { TMeshId } from '@/patterns/language/schema';
import { getAdapter } from '@/server/adapters/registry';
import { renderWithAdapter } from '@/server/adapters/render';
import { manifestsToYaml } from '@/server/adapters/shared/manifests-yaml';
import type { TAdapterDiagnostic } from '@/server/adapters/types';
import { loadSampleAppSource } from '@/server/workload/sample-app-source';
import type { Db } from '@/server/db';

export interface TRenderTextResult {
  mesh: TMeshId;
  /** Multi-document YAML of every object, in apply order; empty when the pattern has errors. */
  yaml: string;
  objects: { kind: string; name: string; namespace?: string }[];
  diagnostics: TAdapterDiagnostic[];
  /** The pattern's own problems (renders only when there are no errors). */
  patternDiagnostics: TDiagnostic[];
}

/**
 * Renders pattern text for one mesh on the server (adapters stay server-side). Includes are
 * resolved from the patterns the database holds (the catalog and saved public patterns).
 */
export async function renderText({ db, text, mesh, workloads = true }: { db: Db | null; text: string; mesh: TMeshId; workloads?: boolean }): Promise<TRenderTextResult> {
  const includes = new Map<string, string>();
  const names = [...text.matchAll(/pattern:\s*([a-z0-9-]+)/g)].map((m) => m[1]!).slice(0, 20);
  if (db && names.length > 0) {
    const rows = await db.pattern.findMany({ where: { name: { in: names }, visibility: { in: ['public', 'unlisted'] } }, select: { name: true, text: true } });
    for (const r of rows) includes.set(r.name, r.text);
  }
  const parsed = parsePattern(text, { loadInclude: (n) => includes.get(n) });
  if (!parsed.pattern) return { mesh, yaml: '', objects: [], diagnostics: [], patternDiagnostics: parsed.diagnostics };
  const result = renderWithAdapter(getAdapter(mesh), parsed.pattern, { workloads, sampleAppSource: loadSampleAppSource() });
  return {
    mesh,
    yaml: manifestsToYaml(result.manifests),
    objects: result.manifests.map((m) => ({ kind: m.kind, name: m.metadata.name, ...(m.metadata.namespace ? { namespace: m.metadata.namespace } : {}) })),
    diagnostics: result.diagnostics,
    patternDiagnostics: parsed.diagnostics,
  };
}
