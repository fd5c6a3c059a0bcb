'use client';
import dynamic from 'next/dynamic';
import type { DesignerProps } from './designer';

// The designer runs in the browser only (canvas measurements, Monaco, the URL fragment).
const Designer = dynamic(() => import('./designer').then((m) => m.Designer), {
  ssr: false,
  loading: () => <p className="meta" style={{ padding: 20 }}>Loading the designer…</p>,
});

export function DesignerIsland(props: DesignerProps) {
  return <Designer {...props} />;
}
