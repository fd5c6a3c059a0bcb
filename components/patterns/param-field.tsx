'use client';
import type { TParameter } from '@/patterns/language/schema';

export type TParamValue = string | number | boolean;

/** An input for one pattern parameter, by its type (number with bounds, checkbox, select, text). */
export function ParamField({ param, value, onChange, disabled }: { param: TParameter; value: string; onChange: (raw: string) => void; disabled?: boolean }) {
  const id = `param-${param.name}`;
  const label = param.title ?? param.name;
  const help = param.description ? <span className="meta">{param.description}</span> : null;
  if (param.type === 'boolean') {
    return (
      <label className="param-field row" htmlFor={id}>
        <input id={id} type="checkbox" checked={value === 'true'} disabled={disabled} onChange={(e) => onChange(String(e.target.checked))} data-testid={id} />
        {label} {help}
      </label>
    );
  }
  if (param.type === 'enum' && param.values) {
    return (
      <label className="param-field" htmlFor={id}>
        {label}
        <select id={id} value={value} disabled={disabled} onChange={(e) => onChange(e.target.value)} data-testid={id}>
          {param.values.map((v) => (
            <option key={v}>{v}</option>
          ))}
        </select>
        {help}
      </label>
    );
  }
  const numeric = param.type === 'integer' || param.type === 'number';
  return (
    <label className="param-field" htmlFor={id}>
      {label}
      <input
        id={id}
        type={numeric ? 'number' : 'text'}
        value={value}
        min={param.min}
        max={param.max}
        step={param.type === 'integer' ? 1 : 'any'}
        disabled={disabled}
        onChange={(e) => onChange(e.target.value)}
        data-testid={id}
      />
      {help}
    </label>
  );
}

/** The typed value of a parameter input; undefined while it is not a value of that type yet. */
export function coerceParam(param: TParameter, raw: string): TParamValue | undefined {
  switch (param.type) {
    case 'integer':
    case 'number': {
      if (raw.trim() === '') return undefined;
      const n = Number(raw);
      if (!Number.isFinite(n) || (param.type === 'integer' && !Number.isInteger(n))) return undefined;
      return n;
    }
    case 'boolean':
      return raw === 'true';
    default:
      return raw;
  }
}
