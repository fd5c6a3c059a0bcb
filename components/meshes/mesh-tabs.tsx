'use client';
import { useQuery } from '@tanstack/react-query';
import { useDeferredValue, useEffect, useState } from 'react';
import { ManifestViewer } from '@/components/editor';
import { useTRPC, useTRPCClient } from '@/components/providers/trpc';
import { MESH_SHORT_TITLES } from '@/patterns/language/meshes';
import { MESH_IDS, type TMeshId } from '@/patterns/language/schema';

const TITLES = MESH_SHORT_TITLES;

function download(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/yaml' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** A live tab per mesh with the resources the server-side adapter renders, its diagnostics, and downloads. */
export function MeshTabs({ text, name, height = 420 }: { text: string; name: string; height?: number | string }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const [mesh, setMesh] = useState<TMeshId>('istio');
  const [workloads, setWorkloads] = useState(true);
  // Re-render after a short pause in typing, never on every keystroke.
  const [settled, setSettled] = useState(text);
  useEffect(() => {
    const t = setTimeout(() => setSettled(text), 350);
    return () => clearTimeout(t);
  }, [text]);
  const deferred = useDeferredValue(settled);
  const result = useQuery({ ...trpc.meshes.render.queryOptions({ text: deferred, mesh, workloads }), placeholderData: (prev) => prev });
  const data = result.data;
  const problems = data?.diagnostics.filter((d) => d.severity !== 'info') ?? [];
  const notes = data?.diagnostics.filter((d) => d.severity === 'info') ?? [];

  return (
    <div className="mesh-tabs" data-testid="mesh-tabs">
      <div role="tablist" aria-label="Rendered for" className="tabs">
        {MESH_IDS.map((m) => (
          <button key={m} type="button" role="tab" aria-selected={mesh === m} className={mesh === m ? 'active' : ''} onClick={() => setMesh(m)} data-testid={`mesh-tab-${m}`}>
            {TITLES[m]}
          </button>
        ))}
      </div>
      <div className="row mesh-toolbar">
        <span className="meta" data-testid="mesh-summary" aria-live="polite">
          {result.isFetching && !data ? 'Rendering…' : data?.patternDiagnostics.some((d) => d.severity === 'error') ? 'Fix the pattern’s errors to render it.' : `${data?.objects.length ?? 0} objects`}
        </span>
        <label className="row" style={{ fontWeight: 400, fontSize: 13 }}>
          <input type="checkbox" checked={workloads} onChange={(e) => setWorkloads(e.target.checked)} /> sample workloads
        </label>
        <button type="button" className="btn small" disabled={!data?.yaml} onClick={() => data && download(`${name}.${mesh}.yaml`, data.yaml)} data-testid="download-mesh">
          Download {TITLES[mesh]}
        </button>
        <button
          type="button"
          className="btn small"
          onClick={async () => {
            const all = await Promise.all(MESH_IDS.map((m) => client.meshes.render.query({ text, mesh: m, workloads })));
            download(`${name}.all-meshes.yaml`, all.map((r) => `# mesh: ${r.mesh}\n${r.yaml}`).join('---\n'));
          }}
        >
          Download all meshes
        </button>
      </div>
      {data && data.objects.length > 0 && (
        <p className="meta mesh-kinds" data-testid="mesh-kinds">
          {Object.entries(data.objects.reduce<Record<string, number>>((acc, o) => ({ ...acc, [o.kind]: (acc[o.kind] ?? 0) + 1 }), {}))
            .map(([kind, n]) => `${kind}${n > 1 ? ` ×${n}` : ''}`)
            .join(' · ')}
        </p>
      )}
      {problems.length > 0 && (
        <ul className="diagnostics" data-testid="mesh-diagnostics">
          {problems.map((d, i) => (
            <li key={i} className={`sev-${d.severity}`}>
              {d.code} {d.message}
            </li>
          ))}
        </ul>
      )}
      {notes.length > 0 && (
        <details className="meta">
          <summary>{notes.length} notes</summary>
          <ul>
            {notes.map((d, i) => (
              <li key={i}>
                {d.code} {d.message}
              </li>
            ))}
          </ul>
        </details>
      )}
      <ManifestViewer value={data?.yaml ?? ''} height={height} ariaLabel={`Manifests for ${TITLES[mesh]}`} testId="mesh-manifests" />
    </div>
  );
}
