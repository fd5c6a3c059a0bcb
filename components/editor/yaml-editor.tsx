'use client';
/**
 * The pattern YAML editor: Monaco + monaco-yaml with the pattern JSON Schema (completion,
 * hover docs, schema validation) plus our own markers. Load it through `@/components/editor`
 * (a `next/dynamic` wrapper), never directly from a page, so Monaco stays out of page bundles.
 */
import { useEffect, useRef } from 'react';
import { MARKER_OWNER, PATTERN_MODEL_PREFIX, currentTheme, monaco, newModelUri, setupMonaco, EDITOR_HOST_STYLE } from './monaco-setup';

export interface YamlMarker {
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
  severity: 'error' | 'warning' | 'info';
  message: string;
  code: string;
}

export interface YamlEditorProps {
  /** Controlled text. A value that differs from the model (canvas edit, undo…) replaces the changed span, without calling `onChange`. */
  value: string;
  /** Every user edit, immediately. */
  onChange(text: string): void;
  /** Our markers (owner `meshloom`); `line` 0 means unknown position and is skipped. */
  markers: readonly YamlMarker[];
  /** When `nonce` changes: reveal the line in the center, put the cursor there, focus. */
  reveal?: { line: number; column: number; nonce: number };
  /** Cursor moves made by the user (not by `value` syncs or `reveal`). */
  onCursor?(pos: { line: number; column: number }): void;
  /** When given, Ctrl/Cmd+Z, Ctrl/Cmd+Shift+Z and Ctrl+Y call these instead of Monaco's undo/redo. */
  onUndo?(): void;
  onRedo?(): void;
  readOnly?: boolean;
  height?: number | string;
  ariaLabel?: string;
  testId?: string;
}

export interface MeshloomYamlTestHook {
  getValue(): string;
  /** Replaces the whole text as a user edit (fires `onChange`). */
  setValue(text: string): void;
  /** Every marker on the model: monaco-yaml's (owner `yaml`) and ours (owner `meshloom`). */
  markers(): { owner: string; severity: 'error' | 'warning' | 'info' | 'hint'; message: string; code: string; line: number; column: number; endLine: number; endColumn: number }[];
  /** The editor instance (tests only). */
  editor: monaco.editor.IStandaloneCodeEditor;
}

declare global {
  interface Window {
    /** Test hook for the most recently mounted or focused YAML editor. */
    __meshloomYaml?: MeshloomYamlTestHook;
  }
}

const SEVERITY: Record<YamlMarker['severity'], monaco.MarkerSeverity> = {
  error: monaco.MarkerSeverity.Error,
  warning: monaco.MarkerSeverity.Warning,
  info: monaco.MarkerSeverity.Info,
};

function severityName(s: monaco.MarkerSeverity): 'error' | 'warning' | 'info' | 'hint' {
  if (s === monaco.MarkerSeverity.Error) return 'error';
  if (s === monaco.MarkerSeverity.Warning) return 'warning';
  if (s === monaco.MarkerSeverity.Info) return 'info';
  return 'hint';
}

/** Our markers → Monaco marker data, clamped to the model; unknown positions skipped. */
export function toMarkerData(model: monaco.editor.ITextModel, markers: readonly YamlMarker[]): monaco.editor.IMarkerData[] {
  const out: monaco.editor.IMarkerData[] = [];
  const lines = model.getLineCount();
  for (const m of markers) {
    if (!(m.line >= 1)) continue;
    const line = Math.min(m.line, lines);
    const column = Math.max(1, Math.min(m.column || 1, model.getLineMaxColumn(line)));
    let endLine = m.endLine !== undefined && m.endLine >= line ? Math.min(m.endLine, lines) : line;
    let endColumn: number;
    if (m.endLine !== undefined && m.endColumn !== undefined) {
      endColumn = Math.max(1, Math.min(m.endColumn, model.getLineMaxColumn(endLine)));
    } else {
      endLine = line;
      endColumn = model.getLineMaxColumn(line); // to the end of the line
    }
    if (endLine === line && endColumn <= column) endColumn = column + 1;
    out.push({ severity: SEVERITY[m.severity], message: m.message, code: m.code, startLineNumber: line, startColumn: column, endLineNumber: endLine, endColumn, source: 'meshloom' });
  }
  return out;
}

/** The smallest single edit turning `from` into `to` (common prefix and suffix kept). */
function minimalEdit(model: monaco.editor.ITextModel, from: string, to: string): monaco.editor.IIdentifiedSingleEditOperation {
  let start = 0;
  const max = Math.min(from.length, to.length);
  while (start < max && from.charCodeAt(start) === to.charCodeAt(start)) start++;
  let end = 0;
  while (end < max - start && from.charCodeAt(from.length - 1 - end) === to.charCodeAt(to.length - 1 - end)) end++;
  const a = model.getPositionAt(start);
  const b = model.getPositionAt(from.length - end);
  return { range: new monaco.Range(a.lineNumber, a.column, b.lineNumber, b.column), text: to.slice(start, to.length - end), forceMoveMarkers: false };
}

export function YamlEditor(props: YamlEditorProps) {
  const { value, markers, reveal, readOnly = false, height = 420, ariaLabel = 'Pattern YAML', testId } = props;
  const hostRef = useRef<HTMLDivElement>(null);
  const editorRef = useRef<monaco.editor.IStandaloneCodeEditor | null>(null);
  // latest callbacks, read by Monaco's event handlers
  const propsRef = useRef(props);
  propsRef.current = props;
  // > 0 while we change the model or the cursor ourselves: no onChange / onCursor then
  const programmatic = useRef(0);
  // texts sent through onChange that the parent may still echo back (stale) as `value`
  const echoes = useRef<string[]>([]);

  // create the editor and its model once
  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    setupMonaco();
    const model = monaco.editor.createModel(propsRef.current.value, 'yaml', newModelUri(PATTERN_MODEL_PREFIX));
    model.setEOL(monaco.editor.EndOfLineSequence.LF);
    const editor = monaco.editor.create(host, {
      model,
      theme: currentTheme(),
      automaticLayout: true,
      readOnly: propsRef.current.readOnly ?? false,
      ariaLabel: propsRef.current.ariaLabel ?? 'Pattern YAML',
      minimap: { enabled: false },
      scrollBeyondLastLine: false,
      tabSize: 2,
      insertSpaces: true,
      detectIndentation: false,
      renderWhitespace: 'boundary',
      quickSuggestions: { other: true, comments: false, strings: true },
      fixedOverflowWidgets: true,
      fontSize: 13,
      wordWrap: 'off',
      // Per-keystroke work that scales with the document: off, so typing in a 10,000-line
      // pattern stays responsive (the designer's canvas needs the frame budget too).
      occurrencesHighlight: 'off',
      selectionHighlight: false,
      stickyScroll: { enabled: false },
      bracketPairColorization: { enabled: false },
      matchBrackets: 'never',
      colorDecorators: false,
      links: false,
      codeLens: false,
    });
    editorRef.current = editor;

    const subs: monaco.IDisposable[] = [];
    subs.push(
      model.onDidChangeContent(() => {
        if (programmatic.current > 0) return;
        const text = model.getValue();
        echoes.current.push(text);
        if (echoes.current.length > 200) echoes.current.shift();
        propsRef.current.onChange(text);
      }),
    );
    subs.push(
      editor.onDidChangeCursorPosition((e) => {
        if (programmatic.current > 0) return;
        if (e.reason === monaco.editor.CursorChangeReason.ContentFlush) return;
        propsRef.current.onCursor?.({ line: e.position.lineNumber, column: e.position.column });
      }),
    );
    // one undo history for the whole app: route the undo/redo keys to the parent when asked
    subs.push(
      editor.onKeyDown((e) => {
        const p = propsRef.current;
        if (!p.onUndo && !p.onRedo) return;
        const mod = e.ctrlKey || e.metaKey;
        if (!mod || e.altKey) return;
        let action: (() => void) | undefined;
        if (e.keyCode === monaco.KeyCode.KeyZ) action = e.shiftKey ? p.onRedo : p.onUndo;
        else if (e.keyCode === monaco.KeyCode.KeyY && e.ctrlKey && !e.shiftKey) action = p.onRedo;
        if (!action) return;
        e.preventDefault();
        e.stopPropagation();
        action();
      }),
    );

    const hook: MeshloomYamlTestHook = {
      getValue: () => model.getValue(),
      setValue: (text) => {
        // a user edit: goes through onDidChangeContent → onChange
        const current = model.getValue();
        const next = text.replace(/\r\n?/g, '\n');
        if (next === current) return;
        model.pushStackElement();
        model.pushEditOperations(editor.getSelections(), [minimalEdit(model, current, next)], () => null);
        model.pushStackElement();
      },
      markers: () =>
        monaco.editor.getModelMarkers({ resource: model.uri }).map((m) => ({
          owner: m.owner,
          severity: severityName(m.severity),
          message: m.message,
          code: typeof m.code === 'string' ? m.code : (m.code?.value ?? ''),
          line: m.startLineNumber,
          column: m.startColumn,
          endLine: m.endLineNumber,
          endColumn: m.endColumn,
        })),
      editor,
    };
    window.__meshloomYaml = hook;
    subs.push(editor.onDidFocusEditorText(() => { window.__meshloomYaml = hook; }));

    return () => {
      for (const s of subs) s.dispose();
      if (window.__meshloomYaml === hook) delete window.__meshloomYaml;
      editorRef.current = null;
      editor.dispose();
      model.dispose();
    };
  }, []);

  // controlled value: apply changes from outside as a minimal edit, keeping cursor and scroll
  useEffect(() => {
    const editor = editorRef.current;
    const model = editor?.getModel();
    if (!editor || !model) return;
    const current = model.getValue();
    if (value === current) {
      echoes.current = [];
      return;
    }
    const stale = echoes.current.lastIndexOf(value);
    if (stale >= 0) {
      // an older text we emitted, arriving after further typing: not a change from outside
      echoes.current = echoes.current.slice(stale + 1);
      return;
    }
    echoes.current = [];
    programmatic.current++;
    try {
      const normalized = value.replace(/\r\n?/g, '\n');
      if (normalized !== current) {
        const edit = minimalEdit(model, current, normalized);
        const replaced = model.getValueLengthInRange(edit.range);
        if (propsRef.current.onUndo && replaced > 50_000 && replaced > current.length / 2) {
          // A new document (a load, an import): replacing the buffer is far cheaper than an undoable
          // edit of it, and undo lives in the app's history anyway (onUndo).
          model.setValue(normalized);
        } else {
          model.pushStackElement();
          model.pushEditOperations(editor.getSelections(), [edit], () => null);
          model.pushStackElement();
        }
      }
    } finally {
      programmatic.current--;
    }
  }, [value]);

  // our markers (monaco-yaml's schema markers have their own owner and stay)
  useEffect(() => {
    const model = editorRef.current?.getModel();
    if (!model) return;
    monaco.editor.setModelMarkers(model, MARKER_OWNER, toMarkerData(model, markers));
  }, [markers]);

  useEffect(() => {
    editorRef.current?.updateOptions({ readOnly, ariaLabel });
  }, [readOnly, ariaLabel]);

  const revealNonce = reveal?.nonce;
  useEffect(() => {
    const editor = editorRef.current;
    const model = editor?.getModel();
    if (!editor || !model || !reveal || revealNonce === undefined) return;
    const line = Math.max(1, Math.min(reveal.line, model.getLineCount()));
    const column = Math.max(1, Math.min(reveal.column || 1, model.getLineMaxColumn(line)));
    programmatic.current++;
    try {
      editor.revealLineInCenter(line);
      editor.setPosition({ lineNumber: line, column });
    } finally {
      programmatic.current--;
    }
    editor.focus();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only a new nonce reveals
  }, [revealNonce]);

  return (
    <div
      ref={hostRef}
      className="meshloom-yaml-editor"
      data-testid={testId}
      style={{ ...EDITOR_HOST_STYLE, height }}
    />
  );
}

export default YamlEditor;
