/**
 * Reading inputs: multi-document YAML or JSON text → manifests (Meshery designs expanded,
 * `kind: List` flattened). Malformed input is an ML5002 diagnostic with file and line, never an
 * exception.
 */
import { LineCounter, parseAllDocuments } from 'yaml';
import { isRecord, rec, str, strMap, type ImportContext, type TManifest, type TRecord } from './core';
import { expandMesheryDesign, isMesheryDesign } from './meshery';

const SERVER_METADATA = ['creationTimestamp', 'resourceVersion', 'uid', 'generation', 'managedFields', 'selfLink'];
const MAX_INPUT_CHARS = 20 * 1024 * 1024;

function toManifest(obj: TRecord, file: string, line: number | undefined): TManifest | undefined {
  const apiVersion = str(obj.apiVersion);
  const kind = str(obj.kind);
  const metadata = rec(obj.metadata);
  const name = str(metadata.name);
  if (!apiVersion || !kind || !name) return undefined;
  const raw: TRecord = { ...obj };
  delete raw.status;
  const meta: TRecord = { ...metadata };
  for (const k of SERVER_METADATA) delete meta[k];
  const ann = rec(meta.annotations);
  if (ann['kubectl.kubernetes.io/last-applied-configuration'] !== undefined) {
    const rest = { ...ann };
    delete rest['kubectl.kubernetes.io/last-applied-configuration'];
    if (Object.keys(rest).length) meta.annotations = rest;
    else delete meta.annotations;
  }
  raw.metadata = meta;
  const m: TManifest = { apiVersion, kind, name, labels: strMap(metadata.labels) ?? {}, spec: rec(obj.spec), raw, file, line };
  const ns = str(metadata.namespace);
  if (ns) m.namespace = ns;
  return m;
}

/** Reads every input into manifests, reporting unreadable ones on `ctx`. */
export function readInputs(inputs: { name: string; text: string }[], ctx: ImportContext): { manifests: TManifest[]; designNames: string[] } {
  const manifests: TManifest[] = [];
  const designNames: string[] = [];
  for (const input of inputs) {
    const file = input.name;
    const text = typeof input.text === 'string' ? input.text : '';
    if (typeof input.text !== 'string') {
      ctx.diag('ML5002', 'input is not text', { file });
      continue;
    }
    if (text.length > MAX_INPUT_CHARS) {
      ctx.diag('ML5002', `input is larger than ${MAX_INPUT_CHARS / 1024 / 1024} MiB`, { file });
      continue;
    }
    // eslint-disable-next-line no-control-regex
    const binary = /[\u0000-\u0008\u000e-\u001f\ufffd]/.exec(text);
    if (binary) {
      const line = text.slice(0, binary.index).split('\n').length;
      ctx.diag('ML5002', `binary data or invalid UTF-8 at line ${line}: not YAML or JSON text`, { file, line, path: ['line', line] });
      continue;
    }
    const lc = new LineCounter();
    let docs;
    try {
      docs = parseAllDocuments(text, { lineCounter: lc, prettyErrors: true, uniqueKeys: false, merge: true });
    } catch (e) {
      ctx.diag('ML5002', `unreadable: ${e instanceof Error ? e.message : String(e)}`, { file });
      continue;
    }
    const list = Array.isArray(docs) ? docs : [docs];
    for (const doc of list) {
      const start = doc.range?.[0] ?? 0;
      const docLine = lc.linePos(start).line;
      if (doc.errors.length) {
        const err = doc.errors[0]!;
        const line = err.linePos?.[0]?.line ?? docLine;
        const message = err.message.split('\n')[0] ?? err.message;
        ctx.diag('ML5002', `${text.trimStart().startsWith('{') || text.trimStart().startsWith('[') ? 'JSON/YAML' : 'YAML'} error at line ${line}: ${message}`, { file, line, path: ['line', line] });
        continue;
      }
      let value: unknown;
      try {
        value = doc.toJS({ maxAliasCount: 1000 });
      } catch (e) {
        ctx.diag('ML5002', `unreadable document at line ${docLine}: ${e instanceof Error ? e.message : String(e)}`, { file, line: docLine });
        continue;
      }
      if (value === null || value === undefined) continue;
      const items = Array.isArray(value) ? value : isRecord(value) && value.kind === 'List' && Array.isArray(value.items) ? value.items : [value];
      for (const item of items) {
        if (isMesheryDesign(item)) {
          const expansion = expandMesheryDesign(item, file);
          if (expansion.name) designNames.push(expansion.name);
          ctx.seeMesh('meshery');
          for (const s of expansion.skipped) ctx.diag('ML5009', `design entry '${s.name}' (${s.type}) is ${s.why}: skipped`, { file, line: docLine });
          manifests.push(...expansion.manifests.map((m) => ({ ...m, line: docLine })));
          continue;
        }
        if (!isRecord(item)) {
          ctx.diag('ML5002', `document at line ${docLine} is ${item === null ? 'empty' : typeof item === 'string' ? 'a plain string' : typeof item}: not a Kubernetes object or Meshery design`, { file, line: docLine, path: ['line', docLine] });
          continue;
        }
        const m = toManifest(item, file, docLine);
        if (m) manifests.push(m);
        else {
          const what = [str(item.kind), str(rec(item.metadata).name)].filter(Boolean).join(' ');
          ctx.diag('ML5003', `document at line ${docLine}${what ? ` (${what})` : ''} has no apiVersion, kind and metadata.name: not importable`, { file, line: docLine }, 'warning');
        }
      }
    }
  }
  return { manifests, designNames };
}
