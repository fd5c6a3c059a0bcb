/**
 * Minimal edits of a pattern file's text: change one value and keep every other byte — comments,
 * key order, quoting and flow style — as the author wrote it.
 */
import { isScalar, parseDocument, stringify } from 'yaml';

/**
 * `text` with the scalar at `path` set to `value`. When that scalar exists, only its characters
 * are replaced; otherwise the key is added through the YAML document (comments kept).
 * Returns undefined when the text is not YAML or a parent on the path is missing.
 */
export function setScalarAt(text: string, path: (string | number)[], value: string | number | boolean): string | undefined {
  const doc = parseDocument(text, { keepSourceTokens: false });
  if (doc.errors.length > 0) return undefined;
  const node = doc.getIn(path, true);
  if (isScalar(node) && node.range) {
    const [start, end] = node.range;
    return text.slice(0, start) + formatScalar(value, text.slice(start, end)) + text.slice(end);
  }
  if (path.length > 0 && !doc.hasIn(path.slice(0, -1))) return undefined;
  doc.setIn(path, value);
  return doc.toString();
}

/** The YAML for `value`, in the same quote style as `previous` when it was quoted. */
function formatScalar(value: string | number | boolean, previous: string): string {
  if (typeof value !== 'string') return String(value);
  const plain = stringify(value).trimEnd();
  if (previous.startsWith('"')) return JSON.stringify(value);
  if (previous.startsWith("'")) return `'${value.replace(/'/g, "''")}'`;
  // Plain output can spill onto more lines (block scalars); keep it on one line.
  return plain.includes('\n') ? JSON.stringify(value) : plain;
}
