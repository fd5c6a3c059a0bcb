import { Document, isMap, isPair, isScalar, isSeq, Scalar, stringify } from 'yaml';
import type { z } from 'zod';
import { ZPattern, ZRouteRule, ZServicePort, ZVersion, type TPattern } from './schema';
import { defOf, resolveSchema } from './schema-walk';

const FLOW_WIDTH = 100;

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isRecord(a) && isRecord(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/** The default a field declares (through optional/pipe wrappers), if any. */
function defaultOf(schema: z.ZodType): { value: unknown } | undefined {
  let s: z.ZodType | undefined = schema;
  for (let i = 0; s && i < 16; i++) {
    const d = defOf(s);
    if (d.type === 'default' || d.type === 'prefault') return { value: d.defaultValue };
    if (d.type === 'pipe') s = d.in;
    else if (d.type === 'optional' || d.type === 'nullable' || d.type === 'readonly') s = d.innerType;
    else return undefined;
  }
  return undefined;
}

const optionalCache = new WeakMap<z.ZodType, boolean>();
function acceptsUndefined(schema: z.ZodType): boolean {
  let r = optionalCache.get(schema);
  if (r === undefined) {
    r = schema.safeParse(undefined).success;
    optionalCache.set(schema, r);
  }
  return r;
}

const canonDefaultCache = new WeakMap<z.ZodType, { value: unknown } | null>();
function canonicalDefault(schema: z.ZodType): { value: unknown } | undefined {
  const cached = canonDefaultCache.get(schema);
  if (cached !== undefined) return cached ?? undefined;
  const d = defaultOf(schema);
  const r = d ? { value: canonicalize(d.value, schema) } : undefined;
  canonDefaultCache.set(schema, r ?? null);
  return r;
}

function isEmpty(v: unknown): boolean {
  return (Array.isArray(v) && v.length === 0) || (isRecord(v) && Object.keys(v).length === 0);
}

/**
 * The canonical JS form of a pattern (or of any value under `schema`): schema key order, values
 * equal to their defaults and empty optional lists/maps dropped, shorthands used (a version
 * with only a name is the name, a port with only `port` is the number, a single match is an
 * object). Keys the schema does not know are kept, after the known ones.
 */
export function canonicalize(value: unknown, schema: z.ZodType = ZPattern): unknown {
  if (value === undefined) return undefined;
  const s = resolveSchema(schema, value);
  const d = defOf(s);
  if (d.type === 'object' && isRecord(value)) {
    const shape = d.shape ?? {};
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(shape)) {
      if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
      let v = canonicalize(value[key], field);
      if (v === undefined) continue;
      const def = canonicalDefault(field);
      if (def && deepEqual(def.value, v)) continue;
      // An empty optional list or map says nothing; an empty optional object can (active: {} turns
      // on active health checks with their defaults), so it stays.
      if (isEmpty(v) && acceptsUndefined(field) && defOf(resolveSchema(field, value[key])).type !== 'object') continue;
      if (s === ZRouteRule && key === 'match' && Array.isArray(v) && v.length === 1) v = v[0];
      out[key] = v;
    }
    for (const [key, v] of Object.entries(value)) {
      if (Object.prototype.hasOwnProperty.call(shape, key) || v === undefined) continue;
      out[key] = d.catchall ? canonicalize(v, d.catchall) : v;
    }
    const keys = Object.keys(out);
    if (s === ZVersion && keys.length === 1 && keys[0] === 'name') return out.name;
    if (s === ZServicePort && keys.length === 1 && keys[0] === 'port') return out.port;
    return out;
  }
  if (d.type === 'array' && Array.isArray(value) && d.element) {
    const element = d.element;
    return value.map((v) => canonicalize(v, element));
  }
  if (d.type === 'record' && isRecord(value) && d.valueType) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = canonicalize(v, d.valueType);
    return out;
  }
  if (Array.isArray(value)) return value.slice();
  if (isRecord(value)) return { ...value };
  return value;
}

interface TFit {
  flowable: boolean;
  length: number;
  /** Collections nested inside, this one included: flow style only for shallow ones. */
  height: number;
}

const MAX_FLOW_HEIGHT = 3;

/** Sets flow style on small all-scalar collections and block-literal style on multi-line strings. */
function styleNode(node: unknown, depth: number, prefix: number, parentKey: string | undefined): TFit {
  if (isScalar(node)) {
    const v = node.value;
    if (typeof v === 'string' && v.includes('\n')) {
      node.type = Scalar.BLOCK_LITERAL;
      return { flowable: false, length: Infinity, height: 0 };
    }
    return { height: 0, flowable: true, length: String(v).length + (typeof v === 'string' && /[{}[\],:#'"&*!|>%@`]/.test(v) ? 2 : 0) };
  }
  if (isMap(node) || isSeq(node)) {
    let flowable = true;
    let length = 2;
    let height = 1;
    const indent = depth * 2;
    for (const item of node.items) {
      if (isPair(item)) {
        const key = isScalar(item.key) ? String(item.key.value) : '?';
        const fit = styleNode(item.value, depth + 1, indent + key.length + 2, key);
        flowable &&= fit.flowable;
        height = Math.max(height, fit.height + 1);
        length += key.length + 2 + fit.length + 2;
      } else {
        const fit = styleNode(item, depth + 1, indent + 2, undefined);
        flowable &&= fit.flowable;
        height = Math.max(height, fit.height + 1);
        length += fit.length + 2;
      }
    }
    const allowed = depth >= 3 || (depth === 2 && !parentKey?.startsWith('spec.'));
    if (flowable && allowed && height <= MAX_FLOW_HEIGHT && node.items.length > 0 && prefix + length <= FLOW_WIDTH + 10) {
      const text = stringify(node.toJSON(), { collectionStyle: 'flow', lineWidth: 0, flowCollectionPadding: false }).trimEnd();
      if (prefix + text.length <= FLOW_WIDTH) {
        node.flow = true;
        return { flowable: true, length: text.length, height };
      }
    }
    return { flowable: false, length: Infinity, height };
  }
  return { flowable: true, length: 4, height: 0 };
}

/**
 * Canonical YAML for a pattern: from a parsed `pattern` (defaults applied) or a raw `source`
 * (parameter references kept as written). Idempotent, and parse → serialize → parse gives the
 * same pattern.
 */
export function serializePattern(patternOrSource: TPattern | unknown): string {
  const canonical = canonicalize(patternOrSource, ZPattern);
  const doc = new Document(canonical, { aliasDuplicateObjects: false });
  const root = doc.contents;
  if (isMap(root)) {
    for (const pair of root.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (isMap(pair.value) || isSeq(pair.value)) {
        for (const item of pair.value.items) {
          if (isPair(item)) {
            const k = isScalar(item.key) ? String(item.key.value) : '?';
            styleNode(item.value, 2, 2 + k.length + 2, key === 'spec' ? `spec.${k}` : k);
          } else styleNode(item, 2, 4, undefined);
        }
      } else styleNode(pair.value, 1, 0, key);
    }
  } else styleNode(root, 0, 0, undefined);
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false, indentSeq: true });
}
