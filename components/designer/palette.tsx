'use client';
import { memo, type DragEvent } from 'react';
import { POLICY_KINDS, MESH_WIDE_POLICY_KINDS } from '@/patterns/language/schema';
import { DRAG_TYPE, type TPaletteItem } from './designer-canvas';

const NODES: { kind: 'service' | 'gateway' | 'external'; label: string; hint: string }[] = [
  { kind: 'service', label: 'Service', hint: 'A workload with versions' },
  { kind: 'gateway', label: 'Ingress gateway', hint: 'Traffic entering the mesh' },
  { kind: 'external', label: 'External service', hint: 'A destination outside the mesh' },
];

function start(event: DragEvent, item: TPaletteItem) {
  event.dataTransfer.setData(DRAG_TYPE, JSON.stringify(item));
  event.dataTransfer.effectAllowed = 'copy';
}

/** Components to drag onto the canvas: nodes, every policy kind, and catalog patterns to include. */
export const Palette = memo(function Palette({ catalog, onActivate }: { catalog: { name: string; title: string }[]; onActivate: (item: TPaletteItem) => void }) {
  return (
    <nav className="palette" aria-label="Palette">
      <h2>Components</h2>
      <ul>
        {NODES.map((n) => (
          <li key={n.kind}>
            <button
              type="button"
              draggable
              className="palette-item"
              data-testid={`palette-${n.kind}`}
              title={`${n.hint}. Drag onto the canvas, or press Enter to add.`}
              onDragStart={(e) => start(e, { type: 'node', kind: n.kind })}
              onClick={() => onActivate({ type: 'node', kind: n.kind })}
            >
              {n.label}
            </button>
          </li>
        ))}
      </ul>
      <h2>Policies</h2>
      <p className="meta">Drop onto a node{' '}(mesh-wide kinds: anywhere).</p>
      <ul>
        {POLICY_KINDS.map((kind) => (
          <li key={kind}>
            <button
              type="button"
              draggable
              className="palette-item policy"
              data-testid={`palette-${kind}`}
              title={MESH_WIDE_POLICY_KINDS.includes(kind) ? 'Drop on a node, or on the canvas for the whole mesh' : 'Drop on the node it protects; Enter adds it to the selected node'}
              onDragStart={(e) => start(e, { type: 'policy', kind })}
              onClick={() => onActivate({ type: 'policy', kind })}
            >
              {kind}
            </button>
          </li>
        ))}
      </ul>
      {catalog.length > 0 && (
        <>
          <h2>Building blocks</h2>
          <p className="meta">Drop a catalog pattern to include it.</p>
          <ul className="palette-catalog">
            {catalog.map((p) => (
              <li key={p.name}>
                <button type="button" draggable className="palette-item include" data-testid={`palette-include-${p.name}`} title={p.title} onDragStart={(e) => start(e, { type: 'include', pattern: p.name })} onClick={() => onActivate({ type: 'include', pattern: p.name })}>
                  {p.name}
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </nav>
  );
});
