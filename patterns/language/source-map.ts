import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';

/** A 1-based source range. */
export interface TSourceRange {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

/** Where to point for a path: the value (default) or, for mapping entries, the key. */
export interface TLocateOptions {
  key?: boolean;
}

/**
 * Maps JSON paths of a parsed document back to source ranges. The YAML implementation walks the
 * AST for one path at a time, so positions cost nothing until a diagnostic needs one; another raw
 * parser (a faster one for huge files) only has to provide this interface.
 */
export interface TSourceMap {
  /**
   * The range of the deepest node on `path` that exists in the source: a missing key points at
   * its parent mapping, a numeric step into a mapping (a shorthand written as one object where
   * the model has a list) is skipped.
   */
  rangeOf(path: readonly (string | number)[], options?: TLocateOptions): TSourceRange;
}

type TYamlDoc = Document.Parsed | Document;

/** A {@link TSourceMap} over a `yaml` document parsed with a `LineCounter`. */
export function createYamlSourceMap(doc: TYamlDoc, lineCounter: LineCounter): TSourceMap {
  const toRange = (range: readonly number[] | null | undefined): TSourceRange => {
    const start = range?.[0] ?? 0;
    const end = range?.[1] ?? start;
    const a = lineCounter.linePos(start);
    const b = lineCounter.linePos(Math.max(start, end));
    return { line: a.line, column: a.col, endLine: b.line, endColumn: b.col };
  };
  return {
    rangeOf(path, options = {}) {
      let node: unknown = doc.contents;
      let range = (node as Node | null)?.range ?? null;
      for (let i = 0; i < path.length; i++) {
        const seg = path[i]!;
        const last = i === path.length - 1;
        if (isMap(node)) {
          if (typeof seg === 'number') continue;
          const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === seg);
          if (!pair) break;
          const keyRange = isScalar(pair.key) ? pair.key.range : null;
          if ((last && options.key) || pair.value == null) {
            range = keyRange ?? range;
            break;
          }
          node = pair.value;
          range = (pair.value as Node).range ?? keyRange ?? range;
        } else if (isSeq(node)) {
          if (typeof seg !== 'number') break;
          const item = node.items[seg];
          if (item == null) break;
          node = item;
          range = (item as Node).range ?? range;
        } else {
          // scalars (a shorthand like `v1` for {name: v1}) and aliases end the walk
          if (isAlias(node)) break;
          break;
        }
      }
      return toRange(range);
    },
  };
}

/**
 * The source position of a JSON path in a pattern text, for editors that need to jump from a
 * diagnostic or a canvas node to the YAML. Parses the text each call; for many lookups on one
 * text use {@link createSourceMapForText}.
 */
export function positionOf(text: string, path: readonly (string | number)[], options?: TLocateOptions): TSourceRange {
  return createSourceMapForText(text).rangeOf(path, options);
}

/** A reusable {@link TSourceMap} for a text (one YAML parse, any number of lookups). */
export function createSourceMapForText(text: string): TSourceMap {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, keepSourceTokens: false });
  return createYamlSourceMap(doc, lineCounter);
}
