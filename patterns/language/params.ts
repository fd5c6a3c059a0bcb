import { createDiagnostic, suggestionHint, type TDiagnostic } from './diagnostics';
import { DURATION_RE, PARAMETER_TYPES, PARAM_REF_GLOBAL_RE, PARAM_REF_RE } from './schema';

type TPath = (string | number)[];
type TParamType = (typeof PARAMETER_TYPES)[number];

/** A parameter as read (leniently) from the raw document, before schema validation. */
export interface TRawParameter {
  name: string;
  type: TParamType;
  index: number;
  default?: unknown;
  min?: number;
  max?: number;
  values?: string[];
}

/** The outcome of {@link resolveParams}. */
export interface TResolvedParams {
  /** The document with every `${params.x}` replaced (a copy; the input is untouched). */
  value: unknown;
  /** Effective parameter values (defaults overridden by the given ones). */
  params: Record<string, unknown>;
  diagnostics: TDiagnostic[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Reads `spec.parameters` from a raw document, skipping entries the schema will reject anyway. */
export function readParameters(root: unknown): TRawParameter[] {
  const spec = isRecord(root) ? root.spec : undefined;
  const list = isRecord(spec) ? spec.parameters : undefined;
  if (!Array.isArray(list)) return [];
  const out: TRawParameter[] = [];
  list.forEach((p, index) => {
    if (!isRecord(p) || typeof p.name !== 'string') return;
    const type = (PARAMETER_TYPES as readonly unknown[]).includes(p.type) ? (p.type as TParamType) : 'string';
    out.push({
      name: p.name,
      type,
      index,
      default: p.default,
      min: typeof p.min === 'number' ? p.min : undefined,
      max: typeof p.max === 'number' ? p.max : undefined,
      values: Array.isArray(p.values) ? p.values.map(String) : undefined,
    });
  });
  return out;
}

/**
 * Checks (and, for strings from forms or the command line, converts) a parameter value.
 * Returns the value to use, or an error message.
 */
export function checkParamValue(param: TRawParameter, input: unknown): { value: unknown } | { error: string } {
  let v = input;
  const numeric = param.type === 'integer' || param.type === 'number';
  if (numeric && typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) v = Number(v);
  if (param.type === 'boolean' && (v === 'true' || v === 'false')) v = v === 'true';
  if (param.type !== 'boolean' && !numeric && (typeof v === 'number' || typeof v === 'boolean')) v = String(v);
  switch (param.type) {
    case 'integer':
    case 'number':
      if (typeof v !== 'number' || !Number.isFinite(v)) return { error: `must be ${param.type === 'integer' ? 'an integer' : 'a number'}` };
      if (param.type === 'integer' && !Number.isInteger(v)) return { error: 'must be an integer' };
      if (param.min !== undefined && v < param.min) return { error: `must be at least ${param.min}` };
      if (param.max !== undefined && v > param.max) return { error: `must be at most ${param.max}` };
      return { value: v };
    case 'boolean':
      return typeof v === 'boolean' ? { value: v } : { error: 'must be true or false' };
    case 'duration':
      return typeof v === 'string' && DURATION_RE.test(v) ? { value: v } : { error: 'must be a duration like 500ms, 2s or 1m' };
    case 'enum':
      if (typeof v !== 'string') return { error: 'must be a string' };
      if (param.values && !param.values.includes(v)) return { error: `must be one of ${param.values.join(', ')}` };
      return { value: v };
    default:
      return typeof v === 'string' ? { value: v } : { error: 'must be a string' };
  }
}

function show(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : String(JSON.stringify(v));
}

/**
 * Substitutes `${params.x}` in `spec` (but not in `spec.parameters`) with the effective values:
 * a reference that is the whole value keeps the parameter's type (integer, number, boolean),
 * one inside a longer string is interpolated. Works on a copy; unknown references, values that
 * violate a parameter's type/min/max/values and parameters without a value are diagnostics.
 */
export function resolveParams(root: unknown, given: Record<string, unknown> = {}): TResolvedParams {
  const diagnostics: TDiagnostic[] = [];
  const defs = readParameters(root);
  const byName = new Map<string, TRawParameter>();
  for (const d of defs) if (!byName.has(d.name)) byName.set(d.name, d);
  const params: Record<string, unknown> = {};
  for (const d of byName.values()) {
    if (d.default === undefined) continue;
    const r = checkParamValue(d, d.default);
    if ('error' in r) {
      diagnostics.push(createDiagnostic('ML3008', `default of parameter '${d.name}' ${r.error}, not ${show(d.default)}`, ['spec', 'parameters', d.index, 'default']));
    } else params[d.name] = r.value;
  }
  for (const [name, input] of Object.entries(given)) {
    const d = byName.get(name);
    if (!d) {
      diagnostics.push({
        ...createDiagnostic('ML3007', `unknown parameter '${name}' given`, ['spec', 'parameters']),
        hint: suggestionHint(name, [...byName.keys()], 'parameters'),
      });
      continue;
    }
    const r = checkParamValue(d, input);
    if ('error' in r) diagnostics.push(createDiagnostic('ML3008', `parameter '${name}' ${r.error}, not ${show(input)}`, ['spec', 'parameters', d.index]));
    else params[name] = r.value;
  }

  const lookup = (ref: string, path: TPath): { ok: true; value: unknown } | { ok: false } => {
    if (Object.prototype.hasOwnProperty.call(params, ref)) return { ok: true, value: params[ref] };
    if (byName.has(ref)) {
      diagnostics.push({
        ...createDiagnostic('ML3016', `parameter '${ref}' has no value`, path),
        hint: `give spec.parameters '${ref}' a default, or pass a value`,
      });
    } else {
      diagnostics.push({
        ...createDiagnostic('ML3007', `unknown parameter '${ref}' in \${params.${ref}}`, path),
        hint: suggestionHint(ref, [...byName.keys()], 'declared parameters') ?? 'declare it under spec.parameters',
      });
    }
    return { ok: false };
  };

  const walk = (v: unknown, path: TPath): unknown => {
    if (typeof v === 'string') {
      if (!v.includes('${')) return v;
      const whole = PARAM_REF_RE.exec(v);
      if (whole) {
        const r = lookup(whole[1]!, path);
        return r.ok ? r.value : v;
      }
      return v.replace(PARAM_REF_GLOBAL_RE, (all, ref: string) => {
        const r = lookup(ref, path);
        return r.ok ? String(r.value) : all;
      });
    }
    if (Array.isArray(v)) return v.map((item, i) => walk(item, [...path, i]));
    if (isRecord(v)) {
      const out: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v)) out[k] = path.length === 1 && k === 'parameters' ? item : walk(item, [...path, k]);
      return out;
    }
    return v;
  };

  if (!isRecord(root) || !isRecord(root.spec)) return { value: root, params, diagnostics };
  return { value: { ...root, spec: walk(root.spec, ['spec']) }, params, diagnostics };
}
