'use client';
import { useEffect, useMemo, useState } from 'react';
import { setScalarAt } from '@/patterns/language/edit';
import { parsePattern } from '@/patterns/language/parse';
import type { TParameter } from '@/patterns/language/schema';
import { serializePattern } from '@/patterns/language/serialize';
import { MeshTabs } from '@/components/meshes/mesh-tabs';
import { DiagnosticsList } from './diagnostics-list';
import { coerceParam, ParamField } from './param-field';

/**
 * The pattern file with its parameters as a form. Changing a parameter rewrites only that
 * parameter's default in the file (comments and layout kept), so the YAML shown, copied and
 * downloaded is always a valid pattern carrying the chosen values. "Resolved" shows the spec
 * with every ${params.x} substituted.
 */
export function PatternFilePanel({ name, text: original, parameters }: { name: string; text: string; parameters: TParameter[] }) {
  const [text, setText] = useState(original);
  const [resolved, setResolved] = useState(false);
  const [copied, setCopied] = useState(false);
  const [inputs, setInputs] = useState<Record<string, string>>(() => Object.fromEntries(parameters.map((p) => [p.name, p.default === undefined ? '' : String(p.default)])));
  const parsed = useMemo(() => parsePattern(text), [text]);
  const shown = useMemo(() => (resolved && parsed.pattern ? serializePattern(parsed.pattern) : text), [resolved, parsed, text]);
  const href = useObjectUrl(shown);

  function change(index: number, param: TParameter, raw: string) {
    setInputs((s) => ({ ...s, [param.name]: raw }));
    const value = coerceParam(param, raw);
    if (value === undefined) return;
    const next = setScalarAt(text, ['spec', 'parameters', index, 'default'], value);
    if (next !== undefined) setText(next);
  }

  return (
    <div className="pattern-file">
      {parameters.length > 0 && (
        <form className="params-form card" aria-labelledby="params-heading" onSubmit={(e) => e.preventDefault()} data-testid="params-form">
          <h3 id="params-heading">Parameters</h3>
          {parameters.map((p, i) => (
            <ParamField key={p.name} param={p} value={inputs[p.name] ?? ''} onChange={(raw) => change(i, p, raw)} />
          ))}
          <div className="row">
            <button
              type="button"
              className="btn"
              onClick={() => {
                setText(original);
                setInputs(Object.fromEntries(parameters.map((p) => [p.name, p.default === undefined ? '' : String(p.default)])));
              }}
            >
              Reset
            </button>
          </div>
        </form>
      )}
      <div className="row file-toolbar">
        <label className="row" style={{ fontWeight: 400 }}>
          <input type="checkbox" checked={resolved} onChange={(e) => setResolved(e.target.checked)} data-testid="resolved-toggle" />
          Resolved (parameters substituted)
        </label>
        <button
          type="button"
          className="btn"
          data-testid="copy-yaml"
          onClick={async () => {
            await navigator.clipboard?.writeText(shown).catch(() => undefined);
            setCopied(true);
            setTimeout(() => setCopied(false), 1500);
          }}
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
        <a className="btn" href={href} download={`${name}.yaml`} data-testid="download-yaml">
          Download
        </a>
      </div>
      <DiagnosticsList diagnostics={parsed.diagnostics} />
      <pre data-testid="pattern-yaml" tabIndex={0} aria-label="Pattern YAML">
        {shown}
      </pre>
      <h3>Rendered for each mesh</h3>
      <MeshTabs text={text} name={name} height={360} />
    </div>
  );
}

function useObjectUrl(content: string): string | undefined {
  const [url, setUrl] = useState<string>();
  useEffect(() => {
    const u = URL.createObjectURL(new Blob([content], { type: 'application/yaml' }));
    setUrl(u);
    return () => URL.revokeObjectURL(u);
  }, [content]);
  return url;
}
