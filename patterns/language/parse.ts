import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import {
  createDiagnostic,
  hasErrors,
  PARSE_LIMITS,
  sortDiagnostics,
  type TDiagnostic,
  type TDiagnosticCode,
} from './diagnostics';
import { issuesToDiagnostics } from './issues';
import { resolveParams } from './params';
import { checkReferences, routeName, type TOwnCounts } from './references';
import { ZPattern, type TPattern } from './schema';
import { load as loadYaml, CORE_SCHEMA } from 'js-yaml';
import { createSourceMapForText, createYamlSourceMap, type TSourceMap } from './source-map';

export { resolveParams, checkParamValue, readParameters, type TRawParameter, type TResolvedParams } from './params';
export { routeName, checkReferences } from './references';
export { positionOf, createSourceMapForText, type TSourceMap, type TSourceRange } from './source-map';
export { schemaAt, allowedKeysAt } from './schema-walk';

/** Options of {@link parsePattern}. */
export interface TParseOptions {
  /** Parameter values; they override the defaults in `spec.parameters`. Strings are converted for number/boolean parameters. */
  params?: Record<string, unknown>;
  /**
   * Returns the text of a pattern by name, for `spec.includes`. When given, includes are resolved
   * recursively and merged into `pattern` (whose `spec.includes` is then empty: the result is
   * self-contained). When absent, includes are kept as written and not checked.
   */
  loadInclude?: (name: string) => string | undefined;
  /**
   * Compute line/column positions of diagnostics (default true). With false, a valid file costs
   * no position work at all and diagnostics carry line 0 / column 0: an editor that needs lines
   * computes them later (e.g. in a worker) with `positionOf(text, d.path)`.
   */
  positions?: boolean;
}

/** The outcome of {@link parsePattern}. Never thrown: every problem is a diagnostic. */
export interface TParseResult {
  /** No error diagnostics (warnings allowed). */
  ok: boolean;
  /** The resolved pattern (params substituted, defaults applied, includes merged); present when `ok`. */
  pattern?: TPattern;
  /**
   * The schema-valid pattern even when reference checks (ML3xxx) failed, for views that show
   * a design while it is being fixed (the designer's canvas). Never use it to render or deploy.
   */
  draft?: TPattern;
  /** The raw JS value as written (params unresolved); present whenever the YAML itself parsed. */
  source?: unknown;
  /** Effective parameter values. */
  params?: Record<string, unknown>;
  diagnostics: TDiagnostic[];
}

/** A raw (schema-free) parse: the JS value plus a way back to source positions. */
export interface TRawParse {
  value?: unknown;
  sourceMap: TSourceMap;
  /** Fatal ML1xxx problems; when any is an error, `value` is not to be used. */
  diagnostics: TDiagnostic[];
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const KEY_CODES = new Set<string>(['ML1006', 'ML1009', 'ML2003', 'ML3014']);
const MAX_DIAGNOSTICS = 500;
const MAX_INCLUDE_DEPTH = 16;

/** UTF-8 byte length of a string, without allocating. */
function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Line and column (1-based) of a string offset. */
function offsetPosition(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
}

/** Offset of the first invalid UTF-8 sequence, or -1. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
    else return i;
    let cp = b & (need === 1 ? 0x1f : need === 2 ? 0x0f : 0x07);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

/**
 * Decodes pattern bytes strictly as UTF-8 (a leading BOM is dropped). Invalid bytes are an
 * ML1005 error at their line and column; the text is still returned, with U+FFFD in their place.
 */
export function decodePatternBytes(bytes: Uint8Array): { text: string; diagnostics: TDiagnostic[] } {
  const diagnostics: TDiagnostic[] = [];
  if (bytes.length > PARSE_LIMITS.maxBytes) {
    diagnostics.push(tooLarge(bytes.length));
    return { text: '', diagnostics };
  }
  const bad = firstInvalidUtf8(bytes);
  let text = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false }).decode(bytes);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (bad >= 0) {
    let lineStart = 0;
    let line = 1;
    for (let i = 0; i < bad; i++) if (bytes[i] === 0x0a) [line, lineStart] = [line + 1, i + 1];
    const column = new TextDecoder('utf-8').decode(bytes.subarray(lineStart, bad)).length + 1;
    const hex = Array.from(bytes.subarray(bad, Math.min(bad + 4, bytes.length)), (b) => b.toString(16).padStart(2, '0')).join(' ');
    diagnostics.push({
      ...createDiagnostic('ML1005', `not valid UTF-8: invalid byte sequence (${hex}) at byte ${bad}`, [], { line, column }),
      hint: 'save the file as UTF-8',
    });
  }
  return { text, diagnostics };
}

function tooLarge(size: number): TDiagnostic {
  return {
    ...createDiagnostic('ML1002', `document too large: ${size} bytes (limit ${PARSE_LIMITS.maxBytes})`),
    hint: 'split the pattern with spec.includes',
  };
}

const YAML_CODE_MAP: Record<string, TDiagnosticCode> = {
  DUPLICATE_KEY: 'ML1009',
  MULTIPLE_DOCS: 'ML1003',
};

/**
 * Parses YAML text into a raw JS value with the structural guards (ML1xxx): syntax, one
 * document, aliases, forbidden keys, nesting depth, root a mapping. No schema knowledge.
 */
export function parseRawYaml(text: string): TRawParse {
  const fast = fastRawParse(text);
  if (fast !== undefined) return { value: fast, sourceMap: lazySourceMap(text), diagnostics: [] };
  return slowRawParse(text);
}

// Two-speed parsing. Most files are plain, valid YAML: js-yaml reads those ~10× faster than the
// `yaml` document API, and positions are only needed when there is something to report. Anything
// unusual — anchors or aliases, duplicate keys, several documents, forbidden keys, deep nesting,
// a root that is not a mapping, any js-yaml error — takes the careful path, which produces the
// positioned ML1xxx diagnostics.
const MAYBE_ALIAS_OR_ANCHOR = /(^|[\s[{,:-])[&*!][^\s,\]}]/m;

function fastRawParse(text: string): unknown {
  if (MAYBE_ALIAS_OR_ANCHOR.test(text) || text.charCodeAt(0) === 0xfeff) return undefined;
  let value: unknown;
  try {
    value = loadYaml(text, { schema: CORE_SCHEMA, json: false });
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  return plainStructure(value) ? value : undefined;
}

/** True when no key is forbidden and nesting stays within the limit (iterative walk). */
function plainStructure(root: object): boolean {
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth > PARSE_LIMITS.maxDepth) return false;
    if (Array.isArray(node)) {
      for (const item of node) if (item !== null && typeof item === 'object') stack.push([item, depth + 1]);
      continue;
    }
    if (Object.getPrototypeOf(node) !== Object.prototype) return false;
    for (const key of Object.keys(node)) {
      if (FORBIDDEN_KEYS.has(key)) return false;
      const v = (node as Record<string, unknown>)[key];
      if (v !== null && typeof v === 'object') stack.push([v, depth + 1]);
    }
  }
  return true;
}

/** A source map that parses the text with positions only when a position is first asked for. */
function lazySourceMap(text: string): TSourceMap {
  let real: TSourceMap | undefined;
  return { rangeOf: (path, options) => (real ??= createSourceMapForText(text)).rangeOf(path, options) };
}

function slowRawParse(text: string): TRawParse {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, keepSourceTokens: false });
  const sourceMap = createYamlSourceMap(doc, lineCounter);
  const diagnostics: TDiagnostic[] = [];
  for (const e of doc.errors) {
    const code = YAML_CODE_MAP[e.code] ?? 'ML1001';
    const start = lineCounter.linePos(e.pos[0]);
    const detail = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    const message =
      code === 'ML1003'
        ? 'a pattern file holds one YAML document; found more than one (---)'
        : code === 'ML1009'
          ? `duplicate key '${/^[^:\n]{0,80}/.exec(text.slice(e.pos[0]))?.[0]?.trim() ?? ''}': keys of a mapping must be unique`
          : `YAML: ${detail}`;
    diagnostics.push({
      ...createDiagnostic(code, message, [], { line: start.line, column: start.col }),
      ...(code === 'ML1003' ? { hint: 'remove the second document, or split it into another file' } : {}),
    });
  }
  for (const w of doc.warnings) {
    const start = lineCounter.linePos(w.pos[0]);
    diagnostics.push(createDiagnostic('ML1001', `YAML: ${w.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`, [], { severity: 'warning', line: start.line, column: start.col }));
  }
  if (hasErrors(diagnostics)) return { sourceMap, diagnostics };

  if (doc.contents == null) {
    diagnostics.push({ ...createDiagnostic('ML1007', 'the document is empty'), hint: 'start with apiVersion: meshloom.dev/v1alpha1 and kind: Pattern' });
    return { sourceMap, diagnostics };
  }
  if (!isMap(doc.contents)) {
    const pos = sourceMap.rangeOf([]);
    diagnostics.push(createDiagnostic('ML1008', 'the document must be a mapping (apiVersion, kind, metadata, spec)', [], pos));
    return { sourceMap, diagnostics };
  }
  structuralChecks(doc, lineCounter, diagnostics);
  if (hasErrors(diagnostics)) return { sourceMap, diagnostics };

  try {
    const value: unknown = doc.toJS({ maxAliasCount: PARSE_LIMITS.maxAliasCount });
    return { value, sourceMap, diagnostics };
  } catch (e) {
    if (e instanceof ReferenceError && /alias/i.test(e.message)) {
      diagnostics.push({
        ...createDiagnostic('ML1004', `too many aliases: expanding them exceeds the limit of ${PARSE_LIMITS.maxAliasCount} (an alias bomb?)`),
        hint: 'write the repeated values out, or use parameters',
      });
    } else {
      diagnostics.push(createDiagnostic('ML1001', `YAML: ${e instanceof Error ? e.message : String(e)}`));
    }
    return { sourceMap, diagnostics };
  }
}

/** Forbidden keys and nesting depth, on the AST (iterative: no recursion on hostile input). */
function structuralChecks(doc: Document.Parsed, lineCounter: LineCounter, out: TDiagnostic[]): void {
  type TFrame = { node: unknown; path: (string | number)[] };
  const stack: TFrame[] = [{ node: doc.contents, path: [] }];
  let deep = false;
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    if (path.length > PARSE_LIMITS.maxDepth) {
      if (!deep) {
        deep = true;
        const pos = (node as { range?: number[] }).range?.[0] ?? 0;
        const lp = lineCounter.linePos(pos);
        out.push(createDiagnostic('ML1010', `nesting deeper than ${PARSE_LIMITS.maxDepth} levels`, path.slice(0, 8), { line: lp.line, column: lp.col }));
      }
      continue;
    }
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
        if (key !== undefined && FORBIDDEN_KEYS.has(key)) {
          const range = pair.key && isScalar(pair.key) ? pair.key.range : undefined;
          const lp = lineCounter.linePos(range?.[0] ?? 0);
          out.push({
            ...createDiagnostic('ML1006', `forbidden key '${key}'`, [...path, key], { line: lp.line, column: lp.col }),
            hint: `'__proto__', 'constructor' and 'prototype' are never valid keys`,
          });
          continue;
        }
        if (pair.value) stack.push({ node: pair.value, path: [...path, key ?? '?'] });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        if (item) stack.push({ node: item, path: [...path, i] });
      });
    }
  }
}

interface TInternalResult extends TParseResult {
  sourceMap?: TSourceMap;
}

function place(d: TDiagnostic & { atKey?: boolean }, sourceMap: TSourceMap | undefined): TDiagnostic {
  const { atKey, ...rest } = d;
  if (!sourceMap) return { ...rest, line: 0, column: 0 };
  const r = sourceMap.rangeOf(d.path, { key: atKey || KEY_CODES.has(d.code) });
  return { ...rest, line: r.line, column: r.column, endLine: r.endLine, endColumn: r.endColumn };
}

function parseText(text: string, options: TParseOptions, stack: string[]): TInternalResult {
  if (text.length > PARSE_LIMITS.maxBytes / 4 && utf8Length(text) > PARSE_LIMITS.maxBytes) {
    return { ok: false, diagnostics: [tooLarge(utf8Length(text))] };
  }
  const diagnostics: TDiagnostic[] = [];
  const replacement = text.indexOf('\uFFFD');
  if (replacement >= 0) {
    diagnostics.push({
      ...createDiagnostic('ML1005', 'not valid UTF-8: the text holds U+FFFD, the mark of bytes that could not be decoded', [], offsetPosition(text, replacement)),
      hint: 'save the file as UTF-8',
    });
  }
  const raw = parseRawYaml(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  diagnostics.push(...raw.diagnostics);
  if (hasErrors(diagnostics) || raw.value === undefined) return { ok: false, diagnostics };
  const source = raw.value;
  const sourceMap = options.positions === false ? undefined : raw.sourceMap;
  const finish = (extra: TDiagnostic[], pattern?: TPattern, params?: Record<string, unknown>): TInternalResult => {
    const all = [...diagnostics, ...extra.slice(0, MAX_DIAGNOSTICS).map((d) => place(d, sourceMap))];
    if (extra.length > MAX_DIAGNOSTICS) {
      // Never drop problems silently: say how many more there are.
      all.push({
        ...createDiagnostic('ML1011', `${extra.length - MAX_DIAGNOSTICS} more problems are not listed (the first ${MAX_DIAGNOSTICS} are)`, [], { line: 1, column: 1 }),
        severity: 'error',
        hint: 'fix the problems above and validate again',
      });
    }
    const ok = !hasErrors(all) && pattern !== undefined;
    return { ok, source, params, diagnostics: all, sourceMap, ...(pattern ? { draft: pattern } : {}), ...(ok ? { pattern } : {}) };
  };

  const resolved = resolveParams(source, options.params);
  const parsed = ZPattern.safeParse(resolved.value);
  if (!parsed.success) {
    const paramPaths = new Set(resolved.diagnostics.map((d) => d.path.join('\u0000')));
    const schema = issuesToDiagnostics(parsed.error.issues, resolved.value).filter((d) => !paramPaths.has(d.path.join('\u0000')));
    return finish([...resolved.diagnostics, ...schema], undefined, resolved.params);
  }
  const pattern = parsed.data;
  const extra: TDiagnostic[] = [...resolved.diagnostics];
  let own: TOwnCounts | undefined;
  if (options.loadInclude && pattern.spec.includes.length > 0) {
    own = mergeIncludes(pattern, options, [...stack, pattern.metadata.name], extra);
  }
  extra.push(...checkReferences(pattern, own));
  return finish(extra, pattern, resolved.params);
}

type TNamed = 'services' | 'gateways' | 'externalServices';

function mergeIncludes(pattern: TPattern, options: TParseOptions, stack: string[], out: TDiagnostic[]): TOwnCounts {
  const spec = pattern.spec;
  const own: TOwnCounts = {
    services: spec.services.length,
    gateways: spec.gateways.length,
    externalServices: spec.externalServices.length,
    routes: spec.routes.length,
    policies: spec.policies.length,
  };
  const owners = new Map<string, string>();
  const routeOwners = new Map<string, string>();
  for (const kind of ['services', 'gateways', 'externalServices'] as const)
    for (const item of spec[kind]) if (!owners.has(item.name)) owners.set(item.name, `${kind.replace(/s$/, '')} '${item.name}' of this pattern`);
  for (const r of spec.routes) routeOwners.set(routeName(r), `route '${routeName(r)}' of this pattern`);
  const ownItems = { services: spec.services, gateways: spec.gateways, externalServices: spec.externalServices };

  spec.includes.forEach((inc, i) => {
    const at: (string | number)[] = ['spec', 'includes', i, 'pattern'];
    const label = `included pattern '${inc.pattern}'`;
    if (stack.includes(inc.pattern)) {
      out.push({
        ...createDiagnostic('ML3005', `include cycle: ${[...stack, inc.pattern].join(' -> ')}`, at),
        hint: 'a pattern cannot include itself, directly or through another include',
      });
      return;
    }
    if (stack.length > MAX_INCLUDE_DEPTH) {
      out.push(createDiagnostic('ML3005', `includes nested deeper than ${MAX_INCLUDE_DEPTH} levels`, at));
      return;
    }
    let text: string | undefined;
    try {
      text = options.loadInclude!(inc.pattern);
    } catch {
      text = undefined;
    }
    if (typeof text !== 'string') {
      out.push({ ...createDiagnostic('ML3006', `unknown included pattern '${inc.pattern}'`, at), hint: 'include a catalog pattern by its metadata.name' });
      return;
    }
    const sub = parseText(text, { params: inc.params ?? {}, loadInclude: options.loadInclude }, stack);
    if (!sub.pattern) {
      for (const d of sub.diagnostics) {
        if (d.severity !== 'error') continue;
        out.push({ ...createDiagnostic(d.code as TDiagnosticCode, `in ${label} (line ${d.line}): ${d.message}`, at), ...(d.hint ? { hint: d.hint } : {}) });
      }
      if (!sub.diagnostics.some((d) => d.severity === 'error'))
        out.push(createDiagnostic('ML3006', `${label} could not be read`, at));
      return;
    }
    const s = sub.pattern.spec;
    for (const kind of ['services', 'gateways', 'externalServices'] as TNamed[]) {
      for (const item of s[kind] as { name: string }[]) {
        const first = owners.get(item.name);
        if (first) {
          const ownIndex = (ownItems[kind] as { name: string }[]).findIndex((x) => x.name === item.name);
          out.push({
            ...createDiagnostic('ML3015', `${kind.replace(/s$/, '')} '${item.name}' of ${label} clashes with ${first}`, ownIndex >= 0 ? ['spec', kind, ownIndex, 'name'] : at),
            hint: 'rename one of them; included names are never merged silently',
          });
          continue;
        }
        owners.set(item.name, `${kind.replace(/s$/, '')} '${item.name}' of ${label}`);
        (spec[kind] as { name: string }[]).push(item);
      }
    }
    for (const r of s.routes) {
      const name = routeName(r);
      const first = routeOwners.get(name);
      if (first) {
        out.push({ ...createDiagnostic('ML3015', `route '${name}' of ${label} clashes with ${first}`, at), hint: 'give one of the routes a distinct name' });
        continue;
      }
      routeOwners.set(name, `route '${name}' of ${label}`);
      spec.routes.push(r);
    }
    spec.policies.push(...s.policies);
  });
  spec.includes = [];
  return own;
}

/**
 * Parses a pattern file: YAML with positions, structural guards, parameters, schema validation,
 * includes (with `loadInclude`) and reference checks. Accepts text or raw bytes (decoded strictly
 * as UTF-8). Never throws and never hangs: every problem, including an internal failure, comes
 * back as a positioned, coded diagnostic.
 */
export function parsePattern(input: string | Uint8Array, options: TParseOptions = {}): TParseResult {
  try {
    let text: string;
    if (typeof input === 'string') text = input;
    else if (input instanceof Uint8Array) {
      const decoded = decodePatternBytes(input);
      if (hasErrors(decoded.diagnostics)) return { ok: false, diagnostics: decoded.diagnostics };
      text = decoded.text;
    } else {
      return { ok: false, diagnostics: [createDiagnostic('ML1001', 'input must be text or bytes')] };
    }
    const { sourceMap: _sourceMap, ...result } = parseText(text, options, []);
    result.diagnostics = sortDiagnostics(result.diagnostics);
    return result;
  } catch (e) {
    return {
      ok: false,
      diagnostics: [createDiagnostic('ML1000', `internal parser error: ${e instanceof Error ? e.message : String(e)}`, [], {})],
    };
  }
}
