'use client';
import { useState } from 'react';
import { DeployPanel } from '@/components/deploy/deploy-panel';
import { ParamField, coerceParam } from '@/components/patterns/param-field';
import { setValue } from '@/patterns/language/document';
import type { TParameter } from '@/patterns/language/schema';
import { elementsOfPath, type TDesignerState } from './store/designer-store';
import { useDesigner, useDesignerStore } from './store/provider';

const selectParameters = (s: TDesignerState) => (s.parsed.pattern?.spec.parameters ?? []) as TParameter[];
const selectMarkers = (s: TDesignerState) => s.markers;
const selectReadOnly = (s: TDesignerState) => s.readOnly;

/** The pattern's parameters as a form; a change rewrites the parameter's default, and everything re-renders. */
export function ParametersPanel() {
  const store = useDesignerStore();
  const parameters = useDesigner(selectParameters);
  const readOnly = useDesigner(selectReadOnly);
  const [drafts, setDrafts] = useState<Record<string, string>>({});
  if (parameters.length === 0) return <p className="meta">This pattern has no parameters. Add them under spec.parameters and use them as ${'{'}params.name{'}'}.</p>;
  return (
    <form className="params-form" onSubmit={(e) => e.preventDefault()} data-testid="designer-params">
      {parameters.map((p, i) => (
        <ParamField
          key={p.name}
          param={p}
          disabled={readOnly}
          value={drafts[p.name] ?? (p.default === undefined ? '' : String(p.default))}
          onChange={(raw) => {
            setDrafts((d) => ({ ...d, [p.name]: raw }));
            const v = coerceParam(p, raw);
            if (v !== undefined) store.getState().edit((t) => setValue(t, ['spec', 'parameters', i, 'default'], v), 'form');
          }}
        />
      ))}
    </form>
  );
}

/** Every diagnostic; choosing one shows its line in the YAML and selects what it concerns on the canvas. */
export function ProblemsPanel() {
  const store = useDesignerStore();
  const markers = useDesigner(selectMarkers);
  if (markers.length === 0) return <p className="meta success" data-testid="no-problems">No problems found.</p>;
  return (
    <ul className="diagnostics problems" data-testid="problems">
      {markers.map((d, i) => (
        <li key={`${d.code}-${i}`} className={`sev-${d.severity}`}>
          <button
            type="button"
            className="linklike"
            onClick={() => {
              const st = store.getState();
              st.revealPath(d.path);
              const ids = elementsOfPath(d.path, st.graph, st.parsed);
              st.select(ids.filter((id) => !id.includes('->')), ids.filter((id) => id.includes('->')));
            }}
          >
            {d.line > 0 ? `${d.line}:${d.column}` : '…'} {d.code} {d.message}
          </button>
          {d.hint && <span className="meta"> — {d.hint}</span>}
        </li>
      ))}
    </ul>
  );
}

const selectSavedName = (s: TDesignerState) => s.saved.name;
const selectSavedVersion = (s: TDesignerState) => s.saved.version;
const selectUnsaved = (s: TDesignerState) => s.text !== s.saved.savedText;

/** Deploys the design as last saved; a design never saved, or with unsaved changes, must be saved first. */
export function DeployTab() {
  const name = useDesigner(selectSavedName);
  const version = useDesigner(selectSavedVersion);
  const unsaved = useDesigner(selectUnsaved);
  const blockedReason =
    name === null ? 'Save first: only a saved pattern can be deployed.' : unsaved ? `Save first: the design has unsaved changes (version ${version ?? '?'} is what is saved).` : undefined;
  return (
    <div className="designer-deploy">
      <DeployPanel patternName={name} {...(version ? { version } : {})} {...(blockedReason ? { blockedReason } : {})} />
    </div>
  );
}
