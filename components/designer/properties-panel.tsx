'use client';
import { useMemo } from 'react';
import type { z } from 'zod';
import { removeNodes, setValue } from '@/patterns/language/document';
import type { TDiagnostic } from '@/patterns/language/diagnostics';
import { defOf, resolveSchema, schemaAt, unwrapSchema } from '@/patterns/language/schema-walk';
import { ZPattern } from '@/patterns/language/schema';
import { useDesigner, useDesignerStore } from './store/provider';
import type { TDesignerState } from './store/designer-store';

type TPath = (string | number)[];
type TSource = { metadata?: unknown; spec?: Record<string, { name?: string; target?: string; service?: string; kind?: string }[]> };

const selectSelection = (s: TDesignerState) => s.selection;
const selectSource = (s: TDesignerState) => s.parsed.source as TSource | undefined;
const selectMarkers = (s: TDesignerState) => s.markers;
const selectGraph = (s: TDesignerState) => s.graph;
const selectReadOnly = (s: TDesignerState) => s.readOnly;

const SECTION = { service: 'services', gateway: 'gateways', external: 'externalServices' } as const;

function get(root: unknown, path: TPath): unknown {
  let v = root;
  for (const k of path) v = v && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined;
  return v;
}

/** The selected element's form, generated from the pattern schema; edits go into the YAML document. */
export function PropertiesPanel() {
  const selection = useDesigner(selectSelection);
  const source = useDesigner(selectSource);
  const graph = useDesigner(selectGraph);
  const markers = useDesigner(selectMarkers);

  const target = useMemo((): { title: string; path: TPath; name?: string } | undefined => {
    const nodeId = selection.nodes[0];
    if (nodeId) {
      const kind = nodeId.slice(0, nodeId.indexOf(':')) as keyof typeof SECTION;
      const name = nodeId.slice(nodeId.indexOf(':') + 1);
      const index = source?.spec?.[SECTION[kind]]?.findIndex((x) => x?.name === name) ?? -1;
      return index >= 0 ? { title: `${kind === 'external' ? 'External service' : kind === 'gateway' ? 'Gateway' : 'Service'} ${name}`, path: ['spec', SECTION[kind], index], name } : undefined;
    }
    const edgeId = selection.edges[0];
    const edge = edgeId ? graph.edges.find((e) => e.id === edgeId) : undefined;
    if (edge && edge.data.routeIndex !== undefined) return { title: `Route ${edge.data.routeName ?? ''}`, path: ['spec', 'routes', edge.data.routeIndex] };
    return undefined;
  }, [selection, source, graph]);

  if (!target) {
    return (
      <section className="properties" aria-label="Properties" data-testid="properties">
        <h2>Pattern</h2>
        <ObjectForm path={['metadata']} markers={markers} keys={['name', 'title', 'category', 'tags', 'summary']} />
        <p className="meta">Select a node or a route to edit it. Drag components from the palette; connect two services to create a route.</p>
      </section>
    );
  }
  const policies = target.name
    ? (source?.spec?.policies ?? []).map((p, i) => ({ p, i })).filter(({ p }) => p?.target === target.name)
    : (source?.spec?.policies ?? []).map((p, i) => ({ p, i })).filter(({ p }) => (p as { route?: string })?.route !== undefined && (p as { route?: string }).route === (get(source, [...target.path, 'name']) ?? get(source, [...target.path, 'service'])));
  return (
    <section className="properties" aria-label="Properties" data-testid="properties">
      <h2>{target.title}</h2>
      <ObjectForm path={target.path} markers={markers} />
      {target.name && <DeleteButton name={target.name} />}
      {policies.map(({ p, i }) => (
        <details key={i} className="policy-form" open={policies.length <= 2}>
          <summary>{p?.kind ?? 'Policy'}</summary>
          <ObjectForm path={['spec', 'policies', i]} markers={markers} />
          <PolicyDelete index={i} />
        </details>
      ))}
    </section>
  );
}

function DeleteButton({ name }: { name: string }) {
  const store = useDesignerStore();
  const readOnly = useDesigner(selectReadOnly);
  return (
    <button type="button" className="btn danger" disabled={readOnly} onClick={() => store.getState().edit((t) => removeNodes(t, [name]))}>
      Delete {name}
    </button>
  );
}

function PolicyDelete({ index }: { index: number }) {
  const store = useDesignerStore();
  const readOnly = useDesigner(selectReadOnly);
  return (
    <button type="button" className="btn danger small" disabled={readOnly} onClick={() => store.getState().edit((t) => setValue(t, ['spec', 'policies', index], undefined))}>
      Remove policy
    </button>
  );
}

/** A form for the object at `path`, one field per schema key. */
function ObjectForm({ path, markers, keys }: { path: TPath; markers: TDiagnostic[]; keys?: string[] }) {
  const source = useDesigner(selectSource);
  const value = get(source, path);
  const schema = schemaAt(path, source, ZPattern);
  if (!schema) return <p className="meta">Edit this in the YAML.</p>;
  const s = unwrapSchema(resolveSchema(schema, value));
  const d = defOf(s);
  if (d.type !== 'object' || !d.shape) return <p className="meta">Edit this in the YAML.</p>;
  const entries = Object.entries(d.shape).filter(([k]) => !keys || keys.includes(k));
  return (
    <div className="object-form">
      {entries.map(([key, field]) => (
        <Field key={key} path={[...path, key]} name={key} schema={field} value={get(value, [key])} markers={markers} />
      ))}
    </div>
  );
}

function problemsAt(markers: TDiagnostic[], path: TPath): TDiagnostic[] {
  return markers.filter((m) => m.path.length >= path.length && path.every((p, i) => m.path[i] === p));
}

/** One input, chosen by the field's schema: text, number, checkbox, select, list or nested object. */
function Field({ path, name, schema, value, markers }: { path: TPath; name: string; schema: z.ZodType; value: unknown; markers: TDiagnostic[] }) {
  const store = useDesignerStore();
  const readOnly = useDesigner(selectReadOnly);
  const s = unwrapSchema(resolveSchema(schema, value));
  const d = defOf(s);
  const id = `f-${path.join('-')}`;
  const problems = problemsAt(markers, path);
  const description = (schema as { description?: string }).description ?? (s as { description?: string }).description;
  const write = (v: unknown) => store.getState().edit((t) => setValue(t, path, v), 'form');
  const optional = defOf(schema).type === 'optional' || defOf(schema).type === 'default';
  let input: React.ReactNode;
  const isRef = typeof value === 'string' && value.startsWith('${params.');

  if (d.type === 'literal') {
    input = <output id={id}>{String(value ?? d.values?.[0] ?? '')}</output>;
  } else if (d.type === 'enum' && !isRef) {
    const options = Object.values(d.entries ?? {}).map(String);
    input = (
      <select id={id} value={value === undefined ? '' : String(value)} disabled={readOnly} onChange={(e) => write(e.target.value === '' ? undefined : e.target.value)}>
        {(optional || value === undefined) && <option value="">(default)</option>}
        {options.map((o) => (
          <option key={o}>{o}</option>
        ))}
      </select>
    );
  } else if (d.type === 'boolean' && !isRef) {
    input = <input id={id} type="checkbox" checked={value === true} disabled={readOnly} onChange={(e) => write(e.target.checked)} />;
  } else if (d.type === 'number' && !isRef) {
    input = (
      <input
        id={id}
        type="number"
        value={typeof value === 'number' ? value : ''}
        disabled={readOnly}
        onChange={(e) => write(e.target.value === '' ? undefined : Number(e.target.value))}
      />
    );
  } else if (d.type === 'string' || isRef) {
    input = <input id={id} type="text" value={value === undefined ? '' : String(value)} disabled={readOnly} onChange={(e) => write(e.target.value === '' && optional ? undefined : e.target.value)} />;
  } else if (d.type === 'array' && d.element && isScalarList(d.element, value)) {
    input = (
      <input
        id={id}
        type="text"
        value={Array.isArray(value) ? value.map(String).join(', ') : ''}
        placeholder="comma, separated"
        disabled={readOnly}
        onChange={(e) => {
          const items = e.target.value.split(',').map((x) => x.trim()).filter(Boolean);
          write(items.length === 0 && optional ? undefined : items.map((x) => (/^\d+$/.test(x) && elementIsNumeric(d.element!) ? Number(x) : x)));
        }}
      />
    );
  } else if (d.type === 'object' && value && typeof value === 'object' && !Array.isArray(value)) {
    return (
      <fieldset className="nested">
        <legend>{name}</legend>
        <ObjectForm path={path} markers={markers} />
      </fieldset>
    );
  } else {
    input = <span className="meta">{value === undefined ? 'not set' : 'edit in YAML'}</span>;
  }
  return (
    <div className={`field${problems.length ? ' has-problem' : ''}`}>
      <label htmlFor={id} title={description}>
        {name}
      </label>
      {input}
      {problems.slice(0, 2).map((p, i) => (
        <span key={i} className={`field-problem sev-${p.severity}`} role="alert">
          {p.code} {p.message}
        </span>
      ))}
    </div>
  );
}

function isScalarList(element: z.ZodType, value: unknown): boolean {
  if (Array.isArray(value) && value.some((v) => v !== null && typeof v === 'object')) return false;
  const d = defOf(unwrapSchema(element));
  if (d.type === 'string' || d.type === 'number' || d.type === 'enum') return true;
  if (d.type === 'union') return (d.options ?? []).some((o) => ['string', 'number'].includes(defOf(unwrapSchema(o)).type));
  return false;
}

function elementIsNumeric(element: z.ZodType): boolean {
  const d = defOf(unwrapSchema(element));
  return d.type === 'number' || (d.type === 'union' && (d.options ?? []).some((o) => defOf(unwrapSchema(o)).type === 'number'));
}
