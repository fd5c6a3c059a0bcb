'use client';
import './designer.css';
import { ReactFlowProvider, useReactFlow } from '@xyflow/react';
import { useCallback, useEffect, useRef, useState, type DragEvent as ReactDragEvent } from 'react';
import { YamlEditor } from '@/components/editor';
import { MeshTabs } from '@/components/meshes/mesh-tabs';
import { useTRPCClient } from '@/components/providers/trpc';
import { addInclude, addNode, addPolicy, duplicateNodes, moveNodes, removeConnection, removeNodes } from '@/patterns/language/document';
import { layoutGraph } from '@/patterns/language/layout';
import { decodePatternBytes } from '@/patterns/language/parse';
import { MESH_WIDE_POLICY_KINDS } from '@/patterns/language/schema';
import { decodeShareFragment } from '@/patterns/language/share';
import { DesignerCanvas, type TPaletteItem } from './designer-canvas';
import { Palette } from './palette';
import { PropertiesPanel } from './properties-panel';
import { DeployTab, ParametersPanel, ProblemsPanel } from './side-panels';
import { elementsOfPath, type TDesignerState, type TSavedMeta } from './store/designer-store';
import { DesignerStoreProvider, useDesigner, useDesignerStore } from './store/provider';
import { SaveControls, ShareButton } from './save-share';

export interface DesignerProps {
  text: string;
  saved?: Partial<TSavedMeta>;
  signedIn: boolean;
  catalog: { name: string; title: string }[];
}

/** The pattern designer: palette, canvas and YAML side by side, one store, one undo history. */
export function Designer(props: DesignerProps) {
  return (
    <DesignerStoreProvider init={{ text: props.text, saved: props.saved }}>
      <ReactFlowProvider>
        <DesignerShell {...props} />
      </ReactFlowProvider>
    </DesignerStoreProvider>
  );
}

const selectText = (s: TDesignerState) => s.text;
const selectMarkers = (s: TDesignerState) => s.markers;
const selectReveal = (s: TDesignerState) => s.reveal;
const selectReadOnly = (s: TDesignerState) => s.readOnly;
const selectNotice = (s: TDesignerState) => s.notice;
const selectTitle = (s: TDesignerState) => s.parsed.pattern?.metadata.title ?? (s.parsed.source as { metadata?: { title?: string } } | undefined)?.metadata?.title ?? 'Untitled design';
const selectCanUndo = (s: TDesignerState) => s.past.length > 0;
const selectCanRedo = (s: TDesignerState) => s.future.length > 0;
const selectIncludeNames = (s: TDesignerState) =>
  ((s.parsed.source as { spec?: { includes?: { pattern?: string }[] } } | undefined)?.spec?.includes ?? []).map((i) => i?.pattern ?? '').join(',');
const selectCounts = (s: TDesignerState) => `${s.graph.nodes.length} nodes · ${s.graph.edges.length} routes`;

function isEditable(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName) || !!el.closest('.monaco-editor'));
}

function DesignerShell({ signedIn, catalog }: DesignerProps) {
  const store = useDesignerStore();
  const flow = useReactFlow();
  const text = useDesigner(selectText);
  const markers = useDesigner(selectMarkers);
  const reveal = useDesigner(selectReveal);
  const readOnly = useDesigner(selectReadOnly);
  const notice = useDesigner(selectNotice);
  const title = useDesigner(selectTitle);
  const canUndo = useDesigner(selectCanUndo);
  const canRedo = useDesigner(selectCanRedo);
  const counts = useDesigner(selectCounts);
  const [tab, setTab] = useState<'properties' | 'parameters' | 'problems' | 'meshes' | 'deploy'>('properties');
  const [theme, setTheme] = useState<'system' | 'light' | 'dark'>('system');
  const clipboard = useRef<string[]>([]);

  // A share link carries the design in the fragment: open it read-only.
  useEffect(() => {
    const hash = window.location.hash;
    if (!hash.startsWith('#v1.')) return;
    void decodeShareFragment(hash).then((r) => {
      const st = store.getState();
      if (!r.ok) return st.notify('error', `${r.code}: ${r.message}`);
      st.setText(r.text, 'load');
      st.setSaved({ name: null, version: null, savedText: null });
      st.setReadOnly(true);
      st.notify('info', 'Opened from a share link, read-only. Fork to edit your own copy.');
    });
  }, [store]);

  // Composition: fetch the patterns this design includes, so they are checked (name clashes are
  // reported as ML3015) and drawn on the canvas.
  const client = useTRPCClient();
  const includeNames = useDesigner(selectIncludeNames);
  useEffect(() => {
    const st = store.getState();
    const missing = includeNames.split(',').filter((n) => n && !(n in st.includes));
    if (missing.length === 0) return;
    void Promise.all(missing.map((name) => client.patterns.get.query({ name }).then((p) => [name, p.text] as const).catch(() => null))).then((found) => {
      const texts = Object.fromEntries(found.filter((f): f is readonly [string, string] => f !== null));
      if (Object.keys(texts).length) store.getState().setIncludes(texts);
    });
  }, [includeNames, client, store]);

  useEffect(() => {
    if (theme === 'system') document.documentElement.removeAttribute('data-theme');
    else document.documentElement.setAttribute('data-theme', theme);
    return () => document.documentElement.removeAttribute('data-theme');
  }, [theme]);

  const deleteSelection = useCallback(() => {
    const st = store.getState();
    const { nodes, edges } = st.selection;
    if (nodes.length) st.edit((t) => removeNodes(t, nodes.map((id) => id.slice(id.indexOf(':') + 1))));
    else
      for (const id of edges) {
        const edge = st.graph.edges.find((e) => e.id === id);
        if (edge && (edge.data.kind === 'call' || edge.data.kind === 'gateway')) {
          const from = edge.source.slice(edge.source.indexOf(':') + 1);
          const to = edge.target.slice(edge.target.indexOf(':') + 1);
          st.edit((t) => removeConnection(t, from, to, edge.data.kind as 'call' | 'gateway'));
        }
      }
  }, [store]);

  const duplicate = useCallback(
    (names: string[]) => {
      if (names.length === 0) return;
      let created: string[] = [];
      store.getState().edit((t) => {
        const r = duplicateNodes(t, names);
        created = r.names;
        return r.text;
      });
      if (created.length) store.getState().select(created.map((n) => `service:${n}`));
    },
    [store],
  );

  // Keyboard: undo/redo everywhere outside Monaco (which routes its own keys to the same history).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (isEditable(e.target)) return;
      const mod = e.ctrlKey || e.metaKey;
      const st = store.getState();
      const names = st.selection.nodes.map((id) => id.slice(id.indexOf(':') + 1));
      if (mod && e.key.toLowerCase() === 'z') {
        e.preventDefault();
        if (e.shiftKey) st.redo();
        else st.undo();
      } else if (mod && e.key.toLowerCase() === 'y') {
        e.preventDefault();
        st.redo();
      } else if (e.key === 'Delete' || e.key === 'Backspace') {
        if (st.readOnly) return;
        e.preventDefault();
        deleteSelection();
      } else if (mod && e.key.toLowerCase() === 'c' && names.length) {
        clipboard.current = names;
        void navigator.clipboard?.writeText(names.join('\n')).catch(() => undefined);
      } else if (mod && e.key.toLowerCase() === 'v' && clipboard.current.length) {
        e.preventDefault();
        duplicate(clipboard.current);
      } else if (mod && e.key.toLowerCase() === 'd') {
        e.preventDefault();
        duplicate(names);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [store, deleteSelection, duplicate]);

  /** Palette items can be added with the keyboard too: nodes at the centre, policies on the selected node. */
  const activate = useCallback(
    (item: TPaletteItem) => {
      const st = store.getState();
      const selected = st.selection.nodes[0];
      if (item.type === 'node') {
        const { x, y, zoom } = flow.getViewport();
        const box = document.querySelector('.designer-canvas')?.getBoundingClientRect();
        const center = box ? { x: (box.width / 2 - x) / zoom, y: (box.height / 2 - y) / zoom } : { x: 0, y: 0 };
        st.edit((t) => addNode(t, item.kind, { position: center }).text);
      } else if (item.type === 'include') st.edit((t) => addInclude(t, item.pattern));
      else if (selected) st.edit((t) => addPolicy(t, item.kind, { target: selected.slice(selected.indexOf(':') + 1) }).text);
      else if (MESH_WIDE_POLICY_KINDS.includes(item.kind)) st.edit((t) => addPolicy(t, item.kind).text);
      else st.notify('error', `Select the node ${item.kind} should protect first.`);
    },
    [flow, store],
  );

  const autoLayout = useCallback(async () => {
    const st = store.getState();
    const positions = await layoutGraph(st.graph);
    const byName = Object.fromEntries(st.graph.nodes.map((n) => [n.data.name, positions[n.id] ?? { x: 0, y: 0 }]));
    st.edit((t) => moveNodes(t, byName));
    requestAnimationFrame(() => void flow.fitView({ padding: 0.15 }));
  }, [flow, store]);

  const importFile = useCallback(
    async (file: File) => {
      const st = store.getState();
      if (file.size > 8 * 1024 * 1024) return st.notify('error', `ML1002: ${file.name} is larger than 8 MiB`);
      const decoded = decodePatternBytes(new Uint8Array(await file.arrayBuffer()));
      if (decoded.diagnostics.some((d) => d.severity === 'error')) return st.notify('error', `${file.name}: ${decoded.diagnostics[0]!.code} ${decoded.diagnostics[0]!.message}`);
      st.setReadOnly(false);
      st.setText(decoded.text, 'canvas');
      st.notify('info', `Opened ${file.name}. Undo returns to the previous design.`);
    },
    [store],
  );

  const onDropFile = useCallback(
    (e: ReactDragEvent) => {
      const file = e.dataTransfer.files?.[0];
      if (!file) return;
      e.preventDefault();
      void importFile(file);
    },
    [importFile],
  );

  const onCursor = useCallback(
    (pos: { line: number }) => {
      const st = store.getState();
      const d = st.markers.find((m) => m.line === pos.line);
      if (!d) return;
      const ids = elementsOfPath(d.path, st.graph, st.parsed);
      const node = ids.find((id) => !id.includes('->'));
      if (node) {
        st.select([node]);
        const n = flow.getNode(node);
        if (n) void flow.setCenter(n.position.x + 110, n.position.y + 40, { zoom: Math.max(flow.getZoom(), 0.8), duration: 200 });
      }
    },
    [flow, store],
  );

  return (
    <div className="designer" data-testid="designer" onDragOver={(e) => e.dataTransfer.types.includes('Files') && e.preventDefault()} onDrop={onDropFile}>
      <div className="designer-toolbar" role="toolbar" aria-label="Designer">
        <strong className="designer-title" data-testid="designer-title">{title}</strong>
        <span className="meta" data-testid="designer-counts">{counts}</span>
        <button type="button" className="btn" onClick={() => store.getState().undo()} disabled={!canUndo} data-testid="undo" title="Undo (Ctrl/Cmd+Z)">
          Undo
        </button>
        <button type="button" className="btn" onClick={() => store.getState().redo()} disabled={!canRedo} data-testid="redo" title="Redo (Ctrl/Cmd+Shift+Z)">
          Redo
        </button>
        <button type="button" className="btn" onClick={() => void autoLayout()} disabled={readOnly}>
          Auto-layout
        </button>
        <button type="button" className="btn" onClick={() => void flow.fitView({ padding: 0.15 })}>
          Fit view
        </button>
        <ImportExport onFile={importFile} />
        <ShareButton />
        <SaveControls signedIn={signedIn} />
        <label className="row theme-pick">
          <span className="visually-hidden">Theme</span>
          <select value={theme} onChange={(e) => setTheme(e.target.value as typeof theme)} aria-label="Theme">
            <option value="system">System theme</option>
            <option value="light">Light</option>
            <option value="dark">Dark</option>
          </select>
        </label>
      </div>
      {notice && (
        <p key={notice.nonce} role={notice.kind === 'error' ? 'alert' : 'status'} className={`designer-notice ${notice.kind}`} data-testid="designer-notice">
          {notice.text}
          {readOnly && (
            <button type="button" className="btn small" data-testid="fork-to-edit" onClick={() => forkToEdit(store)}>
              Fork to edit
            </button>
          )}
        </p>
      )}
      <div className="designer-body">
        <Palette catalog={catalog} onActivate={activate} />
        <DesignerCanvas />
        <div className="designer-side">
          <section className="designer-yaml" aria-label="Pattern YAML">
            <YamlEditor
              value={text}
              onChange={(t) => store.getState().setText(t, 'yaml')}
              markers={markers}
              reveal={reveal ?? undefined}
              onCursor={onCursor}
              onUndo={() => store.getState().undo()}
              onRedo={() => store.getState().redo()}
              readOnly={readOnly}
              height="100%"
              ariaLabel="Pattern YAML"
              testId="designer-yaml"
            />
          </section>
          <section className="designer-tabs">
            <div role="tablist" aria-label="Panels" className="tabs">
              {(['properties', 'parameters', 'problems', 'meshes', 'deploy'] as const).map((t) => (
                <button key={t} type="button" role="tab" aria-selected={tab === t} className={tab === t ? 'active' : ''} onClick={() => setTab(t)} data-testid={`tab-${t}`}>
                  {t === 'problems' ? `Problems (${markers.length})` : t[0]!.toUpperCase() + t.slice(1)}
                </button>
              ))}
            </div>
            <div role="tabpanel" className="tab-body">
              {tab === 'properties' ? <PropertiesPanel /> : tab === 'parameters' ? <ParametersPanel /> : tab === 'problems' ? <ProblemsPanel /> : tab === 'deploy' ? <DeployTab /> : <MeshTabs text={text} name={exportName(text)} height={320} />}
            </div>
          </section>
        </div>
      </div>
    </div>
  );
}

function exportName(text: string): string {
  return /^\s*name:\s*([a-z0-9-]+)/m.exec(text)?.[1] ?? 'pattern';
}

function forkToEdit(store: ReturnType<typeof useDesignerStore>) {
  const st = store.getState();
  st.setReadOnly(false);
  st.setSaved({ name: null, version: null, savedText: null, canEdit: true });
  history.replaceState(null, '', '/designer');
  st.notify('info', 'This is now your own unsaved copy: edit freely, save it when you are signed in.');
}

const selectExport = (s: TDesignerState) => ({ text: s.text, name: s.parsed.pattern?.metadata.name ?? 'pattern' });

function ImportExport({ onFile }: { onFile: (file: File) => void }) {
  const store = useDesignerStore();
  const client = useTRPCClient();
  const input = useRef<HTMLInputElement>(null);
  const manifests = useRef<HTMLInputElement>(null);
  const [report, setReport] = useState<{ code: string; severity: string; message: string; file?: string; object?: string }[] | null>(null);
  const importManifests = async (files: FileList) => {
    const st = store.getState();
    const inputs = await Promise.all([...files].slice(0, 50).map(async (f) => ({ name: f.name, text: await f.text() })));
    const result = await client.meshes.import.mutate({ files: inputs }).catch((e: Error) => {
      st.notify('error', e.message);
      return null;
    });
    if (!result) return;
    setReport(result.diagnostics);
    if (!result.text) return st.notify('error', `Nothing imported: ${result.diagnostics.find((d) => d.severity === 'error')?.message ?? 'no mesh objects found'}`);
    st.setReadOnly(false);
    st.setText(result.text, 'canvas');
    st.notify('info', `Imported ${inputs.length} file(s) into a pattern; ${result.diagnostics.length} notes. Undo returns to the previous design.`);
  };
  const [pasting, setPasting] = useState(false);
  const [pasted, setPasted] = useState('');
  return (
    <>
      <input
        ref={input}
        type="file"
        accept=".yaml,.yml,.json,application/yaml,text/yaml"
        hidden
        data-testid="import-file"
        onChange={(e) => {
          const f = e.target.files?.[0];
          if (f) onFile(f);
          e.target.value = '';
        }}
      />
      <button type="button" className="btn" onClick={() => input.current?.click()}>
        Open file…
      </button>
      <input
        ref={manifests}
        type="file"
        multiple
        accept=".yaml,.yml,.json"
        hidden
        data-testid="import-manifests"
        onChange={(e) => {
          if (e.target.files?.length) void importManifests(e.target.files);
          e.target.value = '';
        }}
      />
      <button type="button" className="btn" onClick={() => manifests.current?.click()} title="Istio, Linkerd, Consul, Kuma, SMI or Gateway API manifests, or a Meshery design">
        Import from a mesh…
      </button>
      {report && report.length > 0 && (
        <div className="dialog-backdrop" role="dialog" aria-modal="true" aria-labelledby="import-title">
          <div className="dialog">
            <h2 id="import-title">Import report</h2>
            <ul className="diagnostics" data-testid="import-report">
              {report.map((d, i) => (
                <li key={i} className={`sev-${d.severity}`}>
                  {d.file ? `${d.file}: ` : ''}
                  {d.code} {d.object ? `${d.object}: ` : ''}
                  {d.message}
                </li>
              ))}
            </ul>
            <button type="button" className="btn" onClick={() => setReport(null)}>
              Close
            </button>
          </div>
        </div>
      )}
      <button type="button" className="btn" onClick={() => setPasting(true)}>
        Paste YAML…
      </button>
      <button
        type="button"
        className="btn"
        data-testid="export-yaml"
        onClick={() => {
          const { text, name } = selectExport(store.getState());
          const url = URL.createObjectURL(new Blob([text], { type: 'application/yaml' }));
          const a = document.createElement('a');
          a.href = url;
          a.download = `${name}.yaml`;
          a.click();
          setTimeout(() => URL.revokeObjectURL(url), 1000);
        }}
      >
        Export YAML
      </button>
      {pasting && (
        <div className="dialog-backdrop" role="dialog" aria-modal="true" aria-labelledby="paste-title">
          <div className="dialog">
            <h2 id="paste-title">Paste a pattern file</h2>
            <textarea className="code" value={pasted} onChange={(e) => setPasted(e.target.value)} aria-label="Pattern YAML to open" autoFocus />
            <div className="row">
              <button
                type="button"
                className="btn primary"
                onClick={() => {
                  const st = store.getState();
                  st.setReadOnly(false);
                  st.setText(pasted, 'canvas');
                  setPasting(false);
                  setPasted('');
                }}
              >
                Open
              </button>
              <button type="button" className="btn" onClick={() => setPasting(false)}>
                Cancel
              </button>
            </div>
          </div>
        </div>
      )}
    </>
  );
}

