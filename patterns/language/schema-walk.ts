import type { z } from 'zod';
import { ZPattern } from './schema';

/** The parts of a zod 4 definition the walkers read. */
interface TDef {
  type: string;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  innerType?: z.ZodType;
  in?: z.ZodType;
  options?: z.ZodType[];
  discriminator?: string;
  values?: unknown[];
  entries?: Record<string, unknown>;
  defaultValue?: unknown;
}

/** The zod definition of a schema (its internal `_zod.def`). */
export function defOf(schema: z.ZodType): TDef {
  return (schema as unknown as { _zod: { def: TDef } })._zod.def;
}

const WRAPPERS = new Set(['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch', 'nonoptional']);

/** Strips optional/default/nullable wrappers and the input side of pipes (transforms). */
export function unwrapSchema(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (let i = 0; i < 32; i++) {
    const d = defOf(s);
    if (WRAPPERS.has(d.type) && d.innerType) s = d.innerType;
    else if (d.type === 'pipe' && d.in) s = d.in;
    else break;
  }
  return s;
}

function kindOfValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function acceptsKind(schema: z.ZodType, kind: string): boolean {
  const d = defOf(unwrapSchema(schema));
  switch (d.type) {
    case 'object':
    case 'record':
      return kind === 'object';
    case 'array':
      return kind === 'array';
    case 'string':
    case 'enum':
      return kind === 'string';
    case 'number':
    case 'int':
      return kind === 'number';
    case 'boolean':
      return kind === 'boolean';
    case 'literal':
      return (d.values ?? []).some((v) => kindOfValue(v) === kind);
    case 'union':
      return (d.options ?? []).some((o) => acceptsKind(o, kind));
    default:
      return true;
  }
}

/**
 * Resolves wrappers and picks the union member that fits `value`: by discriminator for
 * discriminated unions (policies by `kind`), otherwise by the value's JSON type.
 */
export function resolveSchema(schema: z.ZodType, value: unknown): z.ZodType {
  let s = unwrapSchema(schema);
  for (let i = 0; i < 8; i++) {
    const d = defOf(s);
    if (d.type !== 'union' || !d.options) return s;
    let pick: z.ZodType | undefined;
    if (d.discriminator && value && typeof value === 'object') {
      const want = (value as Record<string, unknown>)[d.discriminator];
      pick = d.options.find((o) => {
        const field = defOf(unwrapSchema(o)).shape?.[d.discriminator!];
        return field !== undefined && (defOf(field).values ?? []).includes(want);
      });
    }
    pick ??= d.options.find((o) => acceptsKind(o, kindOfValue(value)));
    if (!pick) return s;
    s = unwrapSchema(pick);
  }
  return s;
}

/**
 * The schema of the node at `path` (in the document as written), or undefined where the path
 * leaves the schema. `root` is the document value, used to choose union members.
 */
export function schemaAt(path: readonly (string | number)[], root: unknown, schema: z.ZodType = ZPattern): z.ZodType | undefined {
  let s: z.ZodType | undefined = schema;
  let v: unknown = root;
  for (const seg of path) {
    if (!s) return undefined;
    const d = defOf(resolveSchema(s, v));
    if (d.type === 'object') {
      const catchall = d.catchall && defOf(d.catchall).type !== 'never' ? d.catchall : undefined;
      s = typeof seg === 'string' ? (d.shape?.[seg] ?? catchall) : undefined;
    }
    else if (d.type === 'array') s = d.element;
    else if (d.type === 'record') s = d.valueType;
    else return undefined;
    v = v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[seg] : undefined;
  }
  return s ? resolveSchema(s, v) : undefined;
}

/** The keys an object accepts at `path` (empty when the node there is not an object). */
export function allowedKeysAt(path: readonly (string | number)[], root: unknown): string[] {
  const s = schemaAt(path, root);
  if (!s) return [];
  const d = defOf(s);
  return d.type === 'object' && d.shape ? Object.keys(d.shape) : [];
}

/** The literal values of the union's discriminator (e.g. all policy kinds). */
export function discriminatorValues(schema: z.ZodType): unknown[] {
  const d = defOf(unwrapSchema(schema));
  if (d.type !== 'union' || !d.discriminator || !d.options) return [];
  return d.options.flatMap((o) => {
    const field = defOf(unwrapSchema(o)).shape?.[d.discriminator!];
    return field ? (defOf(field).values ?? []) : [];
  });
}
