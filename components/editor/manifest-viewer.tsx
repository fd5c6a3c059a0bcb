'use client';
/**
 * Read-only Monaco for rendered mesh manifests (multi-document YAML). No schema: YAML
 * highlighting, folding and search only. Load it through `@/components/editor`.
 */
import { useEffect, useRef } from 'react';
import { MANIFEST_MODEL_PREFIX, currentTheme, monaco, newModelUri, setupMonaco, EDITOR_HOST_STYLE } from './monaco-setup';

export interface ManifestViewerProps {
  value: string;
  height?: number | string;
  ariaLabel?: string;
  testId?: string;
}

export function ManifestViewer({ value, height = 420, ariaLabel = 'Rendered manifests', testId }: ManifestViewerProps) {
  const hostRef = useRef<HTMLDivElement>(null);
  const editorRef = useRef<monaco.editor.IStandaloneCodeEditor | null>(null);
  const initial = useRef(value);

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    setupMonaco();
    const model = monaco.editor.createModel(initial.current, 'yaml', newModelUri(MANIFEST_MODEL_PREFIX));
    const editor = monaco.editor.create(host, {
      model,
      theme: currentTheme(),
      readOnly: true,
      domReadOnly: true,
      automaticLayout: true,
      ariaLabel,
      minimap: { enabled: false },
      scrollBeyondLastLine: false,
      fontSize: 13,
      folding: true,
      renderValidationDecorations: 'off',
    });
    editorRef.current = editor;
    return () => {
      editorRef.current = null;
      editor.dispose();
      model.dispose();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- created once; props synced below
  }, []);

  useEffect(() => {
    const editor = editorRef.current;
    const model = editor?.getModel();
    if (!editor || !model || model.getValue() === value) return;
    const scrollTop = editor.getScrollTop();
    model.setValue(value);
    editor.setScrollTop(scrollTop);
  }, [value]);

  useEffect(() => {
    editorRef.current?.updateOptions({ ariaLabel });
  }, [ariaLabel]);

  return (
    <div
      ref={hostRef}
      className="meshloom-manifest-viewer"
      data-testid={testId}
      style={{ ...EDITOR_HOST_STYLE, height }}
    />
  );
}

export default ManifestViewer;
