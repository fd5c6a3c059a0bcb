'use client';
/**
 * Monaco-based editors, loaded on demand. Importing `@/components/editor` costs a tiny
 * wrapper; Monaco (~MBs) is fetched only when one of these components renders, in the browser.
 */
import dynamic from 'next/dynamic';
import type { ManifestViewerProps } from './manifest-viewer';
import type { YamlEditorProps, YamlMarker } from './yaml-editor';

export type { ManifestViewerProps, YamlEditorProps, YamlMarker };

function Loading() {
  return (
    <div
      aria-busy="true"
      style={{ height: '100%', width: '100%', minHeight: 120, border: '1px solid var(--border, #8884)', borderRadius: 6, display: 'grid', placeItems: 'center', color: 'var(--muted, #888)' }}
    >
      Loading editor…
    </div>
  );
}

const LazyYamlEditor = dynamic(() => import('./yaml-editor').then((m) => m.YamlEditor), { ssr: false, loading: () => <Loading /> });
const LazyManifestViewer = dynamic(() => import('./manifest-viewer').then((m) => m.ManifestViewer), { ssr: false, loading: () => <Loading /> });

/** The pattern YAML editor (Monaco + monaco-yaml with the pattern schema), client only. */
export function YamlEditor(props: YamlEditorProps) {
  // the box keeps its height while Monaco loads (no layout shift)
  return (
    <div style={{ height: props.height ?? 420 }}>
      <LazyYamlEditor {...props} height="100%" />
    </div>
  );
}

/** Read-only viewer for rendered multi-document YAML manifests, client only. */
export function ManifestViewer(props: ManifestViewerProps) {
  return (
    <div style={{ height: props.height ?? 420 }}>
      <LazyManifestViewer {...props} height="100%" />
    </div>
  );
}
