/**
 * Monaco, offline, configured once per page. Imported only by the client components that
 * `components/editor/index.tsx` loads with `next/dynamic(..., { ssr: false })`, so Monaco
 * never lands in a page bundle until an editor renders.
 *
 * - `monaco-editor` itself (its `editor.main` patches `editor.createWebWorker` so that
 *   monaco-yaml's worker goes through `MonacoEnvironment.getWorker`; the other languages'
 *   modes are lazy chunks that never load here);
 * - workers are same-origin bundles (`new Worker(new URL(..., import.meta.url))`);
 * - `loader.config({ monaco })` so that any `@monaco-editor/react` component on the page uses
 *   this instance instead of fetching Monaco from a CDN;
 * - monaco-yaml with the pattern JSON Schema for models under `meshloom://pattern/`.
 */
import { loader } from '@monaco-editor/react';
import * as monaco from 'monaco-editor';
import { configureMonacoYaml, type JSONSchema } from 'monaco-yaml';
import { PATTERN_SCHEMA_ID, patternJsonSchema } from '@/patterns/language/json-schema';

export { monaco };

/** Models whose URI matches this get the pattern schema (completion, hover, validation). */
export const PATTERN_MODEL_PREFIX = 'meshloom://pattern/';
/** Read-only manifest models: YAML highlighting and syntax checks, no schema. */
export const MANIFEST_MODEL_PREFIX = 'meshloom://manifest/';
/** Owner of the markers we set ourselves (monaco-yaml's are owned by `yaml`). */
export const MARKER_OWNER = 'meshloom';

let configured = false;
let modelSeq = 0;

export function setupMonaco(): typeof monaco {
  if (configured) return monaco;
  configured = true;
  globalThis.MonacoEnvironment = {
    getWorker(_workerId: string, label: string): Worker {
      if (label === 'yaml') {
        return new Worker(new URL('monaco-yaml/yaml.worker', import.meta.url), { name: 'yaml' });
      }
      return new Worker(new URL('monaco-editor/esm/vs/editor/editor.worker', import.meta.url), { name: label });
    },
  };
  loader.config({ monaco });
  configureMonacoYaml(monaco, {
    enableSchemaRequest: false,
    hover: true,
    completion: true,
    validate: true,
    format: { enable: false },
    schemas: [
      {
        uri: PATTERN_SCHEMA_ID,
        fileMatch: [`${PATTERN_MODEL_PREFIX}*.yaml`],
        schema: patternJsonSchema() as JSONSchema,
      },
    ],
  });
  watchColorScheme();
  return monaco;
}

/** A fresh, unique model URI under `prefix`. */
export function newModelUri(prefix: string): monaco.Uri {
  modelSeq += 1;
  return monaco.Uri.parse(`${prefix}editor-${modelSeq}.yaml`);
}

/** Monaco's theme is global to the page: follow `prefers-color-scheme`, live. */
function watchColorScheme(): void {
  if (typeof window === 'undefined' || typeof window.matchMedia !== 'function') return;
  const query = window.matchMedia('(prefers-color-scheme: dark)');
  const apply = () => monaco.editor.setTheme(query.matches ? 'vs-dark' : 'vs');
  apply();
  query.addEventListener('change', apply);
}

export function currentTheme(): 'vs' | 'vs-dark' {
  if (typeof window === 'undefined' || typeof window.matchMedia !== 'function') return 'vs';
  return window.matchMedia('(prefers-color-scheme: dark)').matches ? 'vs-dark' : 'vs';
}

/** The box every Monaco host element gets (the editor fills it). */
export const EDITOR_HOST_STYLE = { width: '100%', minHeight: 120, border: '1px solid var(--border, #8884)', borderRadius: 6, overflow: 'hidden' } as const;
