import { z } from 'zod';
import { PARAM_REF_RE, ZPattern } from './schema';

/** `$id` of the published pattern JSON Schema. */
export const PATTERN_SCHEMA_ID = 'https://meshloom.dev/schema/v1alpha1/pattern.json';

type TJson = Record<string, unknown>;

const PARAM_REF_SCHEMA = {
  type: 'string',
  pattern: PARAM_REF_RE.source,
  description: 'A parameter reference, ${params.<name>}.',
};

function isScalarType(node: TJson): boolean {
  const t = node.type;
  return t === 'number' || t === 'integer' || t === 'boolean';
}

function withParamRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withParamRefs);
  if (node === null || typeof node !== 'object') return node;
  const out: TJson = {};
  for (const [k, v] of Object.entries(node as TJson)) {
    // keys of `properties`/`$defs` name fields, not schemas: recurse into each value
    out[k] = withParamRefs(v);
  }
  if (out.format === 'starts_with') delete out.format;
  if (isScalarType(out)) {
    const { description, title, default: dflt, ...rest } = out;
    return {
      ...(title !== undefined ? { title } : {}),
      ...(description !== undefined ? { description } : {}),
      ...(dflt !== undefined ? { default: dflt } : {}),
      anyOf: [rest, PARAM_REF_SCHEMA],
    };
  }
  return out;
}

let memo: TJson | undefined;

/**
 * The JSON Schema (draft 2020-12) of a pattern file as written: derived from `ZPattern`
 * (input side: shorthands and omitted defaults are valid), with every number, integer and
 * boolean field also accepting a `${params.x}` reference. Memoized; treat it as read-only.
 */
export function patternJsonSchema(): TJson {
  if (memo) return memo;
  const base = z.toJSONSchema(ZPattern, { io: 'input', unrepresentable: 'any' }) as TJson;
  const { $schema, ...rest } = base;
  memo = {
    $schema,
    $id: PATTERN_SCHEMA_ID,
    title: 'Meshloom pattern',
    ...(withParamRefs(rest) as TJson),
  };
  return memo;
}
