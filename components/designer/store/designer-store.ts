/**
 * The designer's state: one store per editor (see provider.tsx). The YAML text is the single
 * source of truth; the canvas, the forms and Monaco all read it and change it through actions,
 * so one undo history covers all three.
 */
import { createStore } from 'zustand/vanilla';
import type { TDiagnostic } from '@/patterns/language/diagnostics';
import { patternToGraph, type TPatternGraph } from '@/patterns/language/graph';
import { parsePattern, type TParseResult } from '@/patterns/language/parse';
import { createSourceMapForText } from '@/patterns/language/source-map';

export type TOrigin = 'load' | 'yaml' | 'canvas' | 'form' | 'undo' | 'redo';
export type TPoint = { x: number; y: number };

export interface TSavedMeta {
  /** The saved pattern's name, or null for a design never saved. */
  name: string | null;
  version: number | null;
  visibility: 'public' | 'unlisted' | 'private';
  /** The text as last saved (to tell whether there are unsaved changes). */
  savedText: string | null;
  canEdit: boolean;
}

export interface TDesignerState {
  text: string;
  parsed: TParseResult;
  /** Diagnostics with positions (lines filled in; may lag `parsed` for big files). */
  markers: TDiagnostic[];
  /** Problems per graph element id (node or edge), for badges. */
  problems: Record<string, { count: number; severity: 'error' | 'warning' | 'info'; first: TDiagnostic }>;
  /** The last graph of a valid pattern (kept while the text is broken, so the canvas stays). */
  graph: TPatternGraph;
  /** Canvas positions by node id: saved layout, else last known, else auto-placed. */
  positions: Record<string, TPoint>;
  selection: { nodes: string[]; edges: string[] };
  past: string[];
  future: string[];
  lastChange: { origin: TOrigin; at: number };
  readOnly: boolean;
  /** Texts of patterns this one includes, by name (composition). */
  includes: Record<string, string>;
  saved: TSavedMeta;
  /** A request to show a line in the YAML editor (nonce changes each time). */
  reveal: { line: number; column: number; nonce: number } | null;
  /** A short message for the user (errors from canvas edits, share-link notes). */
  notice: { kind: 'info' | 'error'; text: string; nonce: number } | null;
}

export interface TDesignerActions {
  /** Replaces the text; pushes the previous text on the undo stack (YAML typing within 600 ms coalesces). */
  setText(text: string, origin: TOrigin): void;
  /** Runs an edit on the text; a thrown error becomes a notice and changes nothing. */
  edit(fn: (text: string) => string, origin?: TOrigin): boolean;
  undo(): void;
  redo(): void;
  select(nodes: string[], edges?: string[]): void;
  setPositions(positions: Record<string, TPoint>): void;
  revealPath(path: (string | number)[]): void;
  setIncludes(includes: Record<string, string>): void;
  setSaved(saved: Partial<TSavedMeta>): void;
  setReadOnly(readOnly: boolean): void;
  notify(kind: 'info' | 'error', text: string): void;
}

export type TDesignerStore = ReturnType<typeof createDesignerStore>;

const HISTORY_LIMIT = 200;
const COALESCE_MS = 600;
/** Above this size, positions of diagnostics are computed after the canvas has updated. */
const SYNC_POSITIONS_LIMIT = 60_000;

export const EMPTY_GRAPH: TPatternGraph = { nodes: [], edges: [], meshPolicies: [] };

function analyse(text: string, includes: Record<string, string>) {
  const loadInclude = (name: string) => includes[name];
  const hasIncludes = /\bincludes:/.test(text);
  return parsePattern(text, { positions: text.length <= SYNC_POSITIONS_LIMIT, ...(hasIncludes ? { loadInclude } : {}) });
}

/** The canvas elements a diagnostic's path concerns: a node, or a route's edges and its service. */
export function elementsOfPath(path: (string | number)[], graph: TPatternGraph, parsed: TParseResult): string[] {
  const [spec, section, index] = path;
  if (spec !== 'spec' || typeof index !== 'number') return [];
  const source = parsed.source as { spec?: Record<string, { name?: string; target?: string; service?: string }[]> } | undefined;
  const item = source?.spec?.[String(section)]?.[index];
  switch (section) {
    case 'services':
      return item?.name ? [`service:${item.name}`] : [];
    case 'gateways':
      return item?.name ? [`gateway:${item.name}`] : [];
    case 'externalServices':
      return item?.name ? [`external:${item.name}`] : [];
    case 'routes':
      return [...graph.edges.filter((e) => e.data.routeIndex === index).map((e) => e.id), ...(item?.service ? [`service:${item.service}`] : [])];
    case 'policies': {
      const node = item?.target ? graph.nodes.find((n) => n.data.name === item.target) : undefined;
      return node ? [node.id] : [];
    }
    default:
      return [];
  }
}

function problemsOf(diagnostics: TDiagnostic[], graph: TPatternGraph, parsed: TParseResult): TDesignerState['problems'] {
  const out: TDesignerState['problems'] = {};
  const rank = { error: 3, warning: 2, info: 1 } as const;
  for (const d of diagnostics) {
    for (const id of elementsOfPath(d.path, graph, parsed)) {
      const prev = out[id];
      if (!prev) out[id] = { count: 1, severity: d.severity, first: d };
      else {
        prev.count += 1;
        if (rank[d.severity] > rank[prev.severity]) prev.severity = d.severity;
      }
    }
  }
  return out;
}

/** A graph for the canvas even when the pattern has errors: the schema-valid parts are shown. */
function graphOf(parsed: TParseResult, previous: TPatternGraph): TPatternGraph {
  const pattern = parsed.pattern ?? parsed.draft;
  return pattern ? patternToGraph(pattern) : previous;
}

let worker: Worker | null | undefined;
let requestId = 0;
const pending = new Map<number, (ranges: { line: number; column: number; endLine?: number; endColumn?: number }[]) => void>();

/** One positions worker per page (none outside a browser: positions are then computed inline). */
function positionsWorker(): Worker | null {
  if (worker !== undefined) return worker;
  if (typeof Worker === 'undefined' || typeof window === 'undefined') return (worker = null);
  try {
    worker = new Worker(new URL('./positions.worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (e: MessageEvent<{ id: number; ranges: { line: number; column: number }[] }>) => {
      pending.get(e.data.id)?.(e.data.ranges);
      pending.delete(e.data.id);
    };
  } catch {
    worker = null;
  }
  return worker;
}

export function createDesignerStore(init: { text: string; saved?: Partial<TSavedMeta>; readOnly?: boolean; includes?: Record<string, string> }) {
  const includes = init.includes ?? {};
  const parsed = analyse(init.text, includes);
  const graph = graphOf(parsed, EMPTY_GRAPH);
  return createStore<TDesignerState & TDesignerActions>()((set, get) => {
    /** Recomputes everything derived from the text; schedules positions for big files. */
    const derive = (text: string, extra: Partial<TDesignerState> = {}) => {
      const state = get();
      const nextParsed = analyse(text, state.includes);
      const nextGraph = graphOf(nextParsed, state.graph);
      const positioned = nextParsed.diagnostics.every((d) => d.line > 0) || nextParsed.diagnostics.length === 0;
      set({
        text,
        parsed: nextParsed,
        graph: nextGraph,
        markers: positioned ? nextParsed.diagnostics : state.markers,
        problems: problemsOf(nextParsed.diagnostics, nextGraph, nextParsed),
        ...extra,
      });
      if (!positioned) schedulePositions(text, nextParsed.diagnostics);
    };
    const schedulePositions = (text: string, diagnostics: TDiagnostic[]) => {
      const apply = (ranges: { line: number; column: number; endLine?: number; endColumn?: number }[]) => {
        if (get().text !== text) return; // superseded by a newer edit
        set({ markers: diagnostics.map((d, i) => ({ ...d, ...ranges[i] })) });
      };
      const paths = diagnostics.map((d) => ({ path: d.path, key: d.code === 'ML2003' }));
      const worker = positionsWorker();
      if (worker) {
        const id = ++requestId;
        pending.set(id, apply);
        worker.postMessage({ id, text, paths });
        return;
      }
      setTimeout(() => {
        if (get().text !== text) return;
        const map = createSourceMapForText(text);
        apply(paths.map((p) => map.rangeOf(p.path, { key: p.key })));
      }, 50);
    };

    return {
      text: init.text,
      parsed,
      markers: parsed.diagnostics,
      problems: problemsOf(parsed.diagnostics, graph, parsed),
      graph,
      positions: {},
      selection: { nodes: [], edges: [] },
      past: [],
      future: [],
      lastChange: { origin: 'load', at: 0 },
      readOnly: init.readOnly ?? false,
      includes,
      saved: { name: null, version: null, visibility: 'private', savedText: null, canEdit: true, ...init.saved },
      reveal: null,
      notice: null,

      setText(text, origin) {
        const state = get();
        if (text === state.text) return;
        if (state.readOnly && origin !== 'load') return;
        const now = Date.now();
        const coalesce = origin === 'yaml' && state.lastChange.origin === 'yaml' && now - state.lastChange.at < COALESCE_MS && state.past.length > 0;
        const past = origin === 'load' ? [] : coalesce ? state.past : [...state.past, state.text].slice(-HISTORY_LIMIT);
        derive(text, { past, future: origin === 'load' ? [] : [], lastChange: { origin, at: now } });
      },

      edit(fn, origin = 'canvas') {
        const state = get();
        if (state.readOnly) {
          get().notify('info', 'This design is read-only: fork it to edit.');
          return false;
        }
        try {
          const next = fn(state.text);
          get().setText(next, origin);
          return true;
        } catch (e) {
          get().notify('error', e instanceof Error ? e.message : String(e));
          return false;
        }
      },

      undo() {
        const { past, future, text } = get();
        const prev = past[past.length - 1];
        if (prev === undefined) return;
        derive(prev, { past: past.slice(0, -1), future: [text, ...future].slice(0, HISTORY_LIMIT), lastChange: { origin: 'undo', at: Date.now() } });
      },

      redo() {
        const { past, future, text } = get();
        const next = future[0];
        if (next === undefined) return;
        derive(next, { past: [...past, text].slice(-HISTORY_LIMIT), future: future.slice(1), lastChange: { origin: 'redo', at: Date.now() } });
      },

      select(nodes, edges = []) {
        const cur = get().selection;
        if (same(cur.nodes, nodes) && same(cur.edges, edges)) return;
        set({ selection: { nodes, edges } });
      },

      setPositions(positions) {
        set({ positions: { ...get().positions, ...positions } });
      },

      revealPath(path) {
        const r = createSourceMapForText(get().text).rangeOf(path);
        set({ reveal: { line: r.line, column: r.column, nonce: Date.now() } });
      },

      setIncludes(next) {
        set({ includes: { ...get().includes, ...next } });
        derive(get().text);
      },

      setSaved(saved) {
        set({ saved: { ...get().saved, ...saved } });
      },

      setReadOnly(readOnly) {
        set({ readOnly });
      },

      notify(kind, text) {
        set({ notice: { kind, text, nonce: Date.now() } });
      },
    };
  });
}

function same(a: string[], b: string[]) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
