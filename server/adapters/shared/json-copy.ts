/**
 * A deep copy of JSON data, equal to `JSON.parse(JSON.stringify(value))` (undefined, function and
 * symbol properties left out, such array elements and non-finite numbers as null, -0 as 0,
 * `toJSON` honoured) but without the detour through a string: rendered objects share nothing with
 * each other or with the pattern, so YAML output has no anchors or aliases.
 */
export function jsonCopy<T>(value: T): T {
  const out = copy(value);
  if (out === undefined) throw new SyntaxError('jsonCopy: value is not JSON data');
  return out as T;
}

function copy(v: unknown): unknown {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      return Number.isFinite(v) ? (v === 0 ? 0 : v) : null;
    case 'object':
      break;
    default:
      // undefined, functions and symbols have no JSON form; bigint makes JSON.stringify throw.
      return typeof v === 'bigint' ? JSON.parse(JSON.stringify(v)) : undefined;
  }
  if (v === null) return null;
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function' || v instanceof Number || v instanceof String || v instanceof Boolean) {
    const text = JSON.stringify(v);
    return text === undefined ? undefined : JSON.parse(text);
  }
  if (Array.isArray(v)) {
    const n = v.length;
    const arr: unknown[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const c = copy(v[i]);
      arr[i] = c === undefined ? null : c;
    }
    return arr;
  }
  const obj: Record<string, unknown> = {};
  for (const key of Object.keys(v)) {
    const c = copy((v as Record<string, unknown>)[key]);
    if (c === undefined) continue;
    if (key === '__proto__') Object.defineProperty(obj, key, { value: c, enumerable: true, writable: true, configurable: true });
    else obj[key] = c;
  }
  return obj;
}
