import type { z } from 'zod';
import { createDiagnostic, splitCodedMessage, suggestionHint, type TDiagnostic, type TDiagnosticCode } from './diagnostics';
import { API_VERSION, PATTERN_KIND, POLICY_KINDS } from './schema';
import { allowedKeysAt } from './schema-walk';

type TPath = (string | number)[];
type TIssue = z.core.$ZodIssue;

/** A diagnostic from schema validation, plus whether to point at the key rather than the value. */
export interface TSchemaDiagnostic extends TDiagnostic {
  atKey?: boolean;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(v, seg)) return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg];
  }
  return v;
}

/** `null`, `a list`, `a mapping`, `a number`, … as a user would say it. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return 'a string';
  if (typeof v === 'number') return Number.isInteger(v) ? 'an integer' : 'a number';
  if (typeof v === 'boolean') return 'a boolean';
  return typeof v;
}

const EXPECTED_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'a boolean',
  object: 'a mapping',
  array: 'a list',
  record: 'a mapping',
};

function label(path: readonly PropertyKey[]): string {
  const parts = path.filter((p) => typeof p === 'string') as string[];
  return parts.length ? `'${parts[parts.length - 1]}'` : 'the document';
}

/** `spec.services[1].ports` */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');
}

function where(path: readonly PropertyKey[]): string {
  const parent = path.slice(0, -1);
  return parent.length ? ` in ${formatPath(parent)}` : '';
}

function show(v: unknown): string {
  const s = typeof v === 'string' ? `'${v}'` : JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function rangeMessage(issue: TIssue & { code: 'too_small' | 'too_big' }, value: unknown): string {
  const small = issue.code === 'too_small';
  const bound = small ? (issue as { minimum: number | bigint }).minimum : (issue as { maximum: number | bigint }).maximum;
  const inclusive = issue.inclusive !== false;
  const op = small ? (inclusive ? 'at least' : 'more than') : inclusive ? 'at most' : 'less than';
  switch (issue.origin) {
    case 'array':
    case 'set':
      return `${label(issue.path as PropertyKey[])} needs ${op} ${bound} item${bound === 1 ? '' : 's'}`;
    case 'string':
      return Number(bound) === 1 && small
        ? `${label(issue.path as PropertyKey[])} must not be empty`
        : `${label(issue.path as PropertyKey[])} must be ${op} ${bound} characters long`;
    default:
      return `${label(issue.path as PropertyKey[])} must be ${op} ${bound}, not ${show(value)}`;
  }
}

/**
 * Turns zod issues into coded diagnostics (positions are added by the parser). `root` is the
 * validated value (params substituted), used for "did you mean" hints and to tell a missing
 * field from a wrong type.
 */
export function issuesToDiagnostics(issues: readonly TIssue[], root: unknown, prefix: TPath = []): TSchemaDiagnostic[] {
  const out: TSchemaDiagnostic[] = [];
  for (const issue of issues) mapIssue(issue, root, prefix, out);
  return out;
}

function mapIssue(issue: TIssue, root: unknown, prefix: TPath, out: TSchemaDiagnostic[]): void {
  const path = [...prefix, ...(issue.path as TPath)];
  const value = valueAt(root, path);
  const present = value !== undefined || pathExists(root, path);
  const push = (code: TDiagnosticCode, message: string, extra: Partial<TSchemaDiagnostic> = {}) => {
    const coded = splitCodedMessage(issue.message);
    if (coded.code && issue.code !== 'unrecognized_keys') {
      const got = present && value !== null && typeof value !== 'object' ? ` (got ${show(value)})` : '';
      out.push({ ...createDiagnostic(coded.code, `${coded.message}${got}`, path), ...extra });
    }
    else out.push({ ...createDiagnostic(code, message, path), ...extra });
  };

  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = allowedKeysAt(path, root);
      for (const key of issue.keys) {
        out.push({
          ...createDiagnostic('ML2003', `unknown field '${key}'${path.length ? ` in ${formatPath(path)}` : ''}`, [...path, key]),
          hint: suggestionHint(key, allowed, 'allowed fields'),
          atKey: true,
        });
      }
      return;
    }
    case 'invalid_type': {
      if (!present) {
        push('ML2001', `missing required field ${label(path)}${where(path)}`);
        return;
      }
      const expected = EXPECTED_WORDS[issue.expected] ?? issue.expected;
      push('ML2002', `${label(path)} must be ${expected}, not ${describeValue(value)}`);
      return;
    }
    case 'invalid_value': {
      const values = issue.values as unknown[];
      const last = path[path.length - 1];
      if (path.length === 1 && last === 'apiVersion') {
        if (!present) return push('ML2001', `missing required field 'apiVersion'`, { hint: `use apiVersion: ${API_VERSION}` });
        return push('ML2007', `unsupported apiVersion ${show(value)}`, { hint: `use apiVersion: ${API_VERSION}` });
      }
      if (path.length === 1 && last === 'kind') {
        if (!present) return push('ML2001', `missing required field 'kind'`, { hint: `use kind: ${PATTERN_KIND}` });
        return push('ML2008', `unknown kind ${show(value)}`, { hint: `use kind: ${PATTERN_KIND}` });
      }
      if (!present) return push('ML2001', `missing required field ${label(path)}${where(path)}`);
      const names = values.map(String);
      const hint = typeof value === 'string' ? suggestionHint(value, names, 'allowed values') : `allowed values: ${names.join(', ')}`;
      push('ML2004', `${label(path)} has an invalid value ${show(value)}`, { hint });
      return;
    }
    case 'invalid_union': {
      const disc = (issue as { discriminator?: string }).discriminator;
      if (disc) {
        const kinds = ((issue as { options?: unknown[] }).options ?? POLICY_KINDS).map(String);
        const policy = path.includes('policies');
        if (!present) {
          push('ML2001', `missing required field '${disc}'${where(path)}`, { hint: `allowed: ${kinds.join(', ')}` });
          return;
        }
        const hint = typeof value === 'string' ? suggestionHint(value, kinds, 'allowed kinds') : `allowed kinds: ${kinds.join(', ')}`;
        push(policy ? 'ML2009' : 'ML2008', `unknown ${policy ? 'policy ' : ''}${disc} ${show(value)}`, {
          hint: hint?.startsWith('did') ? `${hint} (allowed kinds: ${kinds.join(', ')})` : hint,
        });
        return;
      }
      mapUnion(issue as TIssue & { errors: TIssue[][] }, root, path, value, present, out);
      return;
    }
    case 'too_small':
    case 'too_big':
      push('ML2005', rangeMessage(issue, value));
      return;
    case 'not_multiple_of':
      push('ML2005', `${label(path)} must be a multiple of ${String(issue.divisor)}`);
      return;
    case 'invalid_format':
      push('ML2006', `${label(path)} has an invalid format (${issue.format})`);
      return;
    case 'invalid_key':
      push('ML2006', `invalid key${where([...path, ''])}`);
      return;
    case 'custom':
      push('ML2000', issue.message || `${label(path)} is invalid`);
      return;
    default:
      push('ML2000', issue.message || `${label(path)} is invalid`);
  }
}

function pathExists(root: unknown, path: readonly PropertyKey[]): boolean {
  let v = root;
  for (const seg of path) {
    if (v === null || typeof v !== 'object' || !Object.prototype.hasOwnProperty.call(v, seg)) return false;
    v = (v as Record<PropertyKey, unknown>)[seg];
  }
  return true;
}

/** Reports the union member that came closest, or one "wrong type" naming every member. */
function mapUnion(
  issue: TIssue & { errors: TIssue[][] },
  root: unknown,
  path: TPath,
  value: unknown,
  present: boolean,
  out: TSchemaDiagnostic[],
): void {
  if (!present) {
    out.push(createDiagnostic('ML2001', `missing required field ${label(path)}${where(path)}`, path));
    return;
  }
  const isRootMismatch = (i: TIssue) => i.path.length === 0 && (i.code === 'invalid_type' || i.code === 'invalid_value');
  const viable = issue.errors.filter((branch) => branch.length > 0 && !branch.some(isRootMismatch));
  if (viable.length > 0) {
    const best = viable.reduce((a, b) => (b.length < a.length ? b : a));
    for (const i of best) mapIssue(i, root, path, out);
    return;
  }
  const expected = new Set<string>();
  const values: unknown[] = [];
  for (const branch of issue.errors) {
    for (const i of branch) {
      if (i.code === 'invalid_type') expected.add(EXPECTED_WORDS[i.expected] ?? i.expected);
      if (i.code === 'invalid_value') values.push(...(i.values as unknown[]));
    }
  }
  if (values.length > 0 && expected.size === 0) {
    out.push({
      ...createDiagnostic('ML2004', `${label(path)} has an invalid value ${show(value)}`, path),
      hint: `allowed values: ${values.map(String).join(', ')}`,
    });
    return;
  }
  const words = [...expected, ...values.map(show)];
  out.push(createDiagnostic('ML2002', `${label(path)} must be ${words.join(' or ')}, not ${describeValue(value)}`, path));
}
