'use client';

import '@xyflow/react/dist/style.css';
import './canvas.css';
import {
  applyEdgeChanges,
  applyNodeChanges,
  Background,
  BackgroundVariant,
  Controls,
  MarkerType,
  MiniMap,
  Panel,
  ReactFlow,
  type EdgeMarker,
  type FitViewOptions,
  type OnEdgesChange,
  type OnNodesChange,
} from '@xyflow/react';
import { memo, useCallback, useId, useMemo, useState } from 'react';
import type { TGraphEdge, TGraphNode, TPatternGraph } from '@/patterns/language/graph';
import type { TPoint } from '@/patterns/language/layout';
import { edgeTypes, type TRouteFlowEdge } from './edges';
import { nodeTypes, PolicyBadges, type TPatternFlowNode } from './nodes';

/** Above this many nodes only what is in view is rendered. */
const VIRTUALIZE_ABOVE = 200;
/** How many items of each kind the screen-reader description lists. */
const DESCRIBE_LIMIT = 500;

const FIT_VIEW: FitViewOptions = { padding: 0.12, maxZoom: 1.1 };
const PRO_OPTIONS = { hideAttribution: false };
const MARKER: EdgeMarker = { type: MarkerType.ArrowClosed, width: 16, height: 16, color: 'var(--ml-edge)' };
const MARKER_RELATED: EdgeMarker = { ...MARKER, color: 'var(--accent)' };
const MINIMAP_COLORS: Record<string, string> = { service: 'var(--ml-service)', gateway: 'var(--ml-gateway)', external: 'var(--ml-external)' };
const minimapNodeColor = (node: { type?: string | undefined }) => MINIMAP_COLORS[node.type ?? ''] ?? 'var(--muted)';

const KIND_WORD = { service: 'Service', gateway: 'Gateway', external: 'External service' } as const;
const nameOf = (id: string) => id.slice(id.indexOf(':') + 1);

/** One sentence naming a node, its versions and its policies. */
export function describeNode(node: TGraphNode): string {
  const d = node.data;
  const parts = [`${KIND_WORD[node.type]} ${d.name}`];
  if (d.namespace !== 'default') parts.push(`namespace ${d.namespace}`);
  if (d.kind === 'service' && d.versions.length) parts.push(`versions ${d.versions.join(', ')}`);
  if (d.kind === 'gateway') parts.push(`${d.type}, listeners ${d.listeners.join('; ')}`);
  if (d.kind === 'external') parts.push(`hosts ${d.hosts.join(', ')}`);
  if (d.policies.length) parts.push(`policies: ${d.policies.map((p) => p.description).join('; ')}`);
  return parts.join(', ');
}

/** One sentence naming an edge, the rules that steer it and the route's policies. */
export function describeEdge(edge: TGraphEdge): string {
  const from = nameOf(edge.source);
  const to = nameOf(edge.target);
  const d = edge.data;
  const head =
    d.kind === 'call'
      ? `${from} calls ${to}`
      : d.kind === 'gateway'
        ? `Gateway ${from} routes to ${to}`
        : d.kind === 'backend'
          ? `Route ${d.routeName ?? ''} sends traffic from ${from} to ${to}`
          : `Route ${d.routeName ?? ''} mirrors traffic to ${to}`;
  const rules = d.title ? `: ${d.title.split('\n').join('; ')}` : '';
  const policies = d.policies.length ? `. Route policies: ${d.policies.map((p) => p.description).join('; ')}` : '';
  return `${head}${rules}${policies}`;
}

/** React Flow nodes for a graph at the given positions (a node without one starts at 0,0). */
export function toFlowNodes(graph: TPatternGraph, positions: Record<string, TPoint>): TPatternFlowNode[] {
  return graph.nodes.map((n) => ({ ...n, position: positions[n.id] ?? { x: 0, y: 0 }, ariaLabel: describeNode(n) }) as TPatternFlowNode);
}

/** React Flow edges for a graph; `labels` (from `layoutGraphWithLabels`) routes edges through their label. */
export function toFlowEdges(graph: TPatternGraph, labels?: Record<string, TPoint>): TRouteFlowEdge[] {
  return graph.edges.map((e) => {
    const labelAt = labels?.[e.id];
    return { ...e, data: labelAt ? { ...e.data, labelAt } : e.data, markerEnd: MARKER, ariaLabel: describeEdge(e) };
  });
}

export interface PatternDiagramProps {
  graph: TPatternGraph;
  /** Top-left position of each node by id, from `layoutGraph`. */
  positions: Record<string, TPoint>;
  /** Label centres by edge id, from `layoutGraphWithLabels` (optional: labels then sit mid-edge). */
  labels?: Record<string, TPoint>;
  /** CSS height of the canvas (default 480px). */
  height?: number | string;
  /** Show a minimap (default: off). */
  minimap?: boolean;
  /** Accessible name of the figure (default "Pattern diagram"). */
  label?: string;
}

/** Read-only diagram of a pattern: pan, zoom, select (a selected node highlights its edges). */
export function PatternDiagram({ graph, positions, labels, height = 480, minimap = false, label = 'Pattern diagram' }: PatternDiagramProps) {
  const baseNodes = useMemo(() => toFlowNodes(graph, positions), [graph, positions]);
  const baseEdges = useMemo(() => toFlowEdges(graph, labels), [graph, labels]);
  const [nodes, setNodes] = useState(baseNodes);
  const [edges, setEdges] = useState(baseEdges);
  const [shown, setShown] = useState({ baseNodes, baseEdges });
  if (shown.baseNodes !== baseNodes || shown.baseEdges !== baseEdges) {
    setShown({ baseNodes, baseEdges });
    setNodes(baseNodes);
    setEdges(baseEdges);
  }
  const onNodesChange: OnNodesChange<TPatternFlowNode> = useCallback((changes) => setNodes((ns) => applyNodeChanges(changes, ns)), []);
  const onEdgesChange: OnEdgesChange<TRouteFlowEdge> = useCallback((changes) => setEdges((es) => applyEdgeChanges(changes, es)), []);

  const selectedKey = useMemo(
    () =>
      nodes
        .filter((n) => n.selected)
        .map((n) => n.id)
        .join('\n'),
    [nodes],
  );
  const shownEdges = useMemo(() => {
    if (!selectedKey) return edges;
    const selected = new Set(selectedKey.split('\n'));
    return edges.map((e) =>
      selected.has(e.source) || selected.has(e.target) ? { ...e, className: 'ml-related', markerEnd: MARKER_RELATED } : e,
    );
  }, [edges, selectedKey]);

  const meshPolicies = useMemo(
    () => graph.meshPolicies.map((p) => (p.namespace ? { ...p, label: `${p.label} · ${p.namespace}` } : p)),
    [graph.meshPolicies],
  );
  const descriptionId = useId();

  return (
    <div className="ml-diagram" role="figure" aria-label={label} aria-describedby={descriptionId} style={{ height }}>
      <ReactFlow<TPatternFlowNode, TRouteFlowEdge>
        nodes={nodes}
        edges={shownEdges}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        nodesDraggable={false}
        nodesConnectable={false}
        elementsSelectable
        nodesFocusable
        edgesFocusable
        deleteKeyCode={null}
        onlyRenderVisibleElements={nodes.length > VIRTUALIZE_ABOVE}
        fitView
        fitViewOptions={FIT_VIEW}
        minZoom={0.05}
        maxZoom={2}
        colorMode="system"
        proOptions={PRO_OPTIONS}
      >
        <Background variant={BackgroundVariant.Dots} gap={20} size={1.2} />
        <Controls showInteractive={false} />
        {minimap && <MiniMap nodeColor={minimapNodeColor} nodeStrokeWidth={0} pannable zoomable ariaLabel="Minimap of the pattern diagram" />}
        {meshPolicies.length > 0 && (
          <Panel position="top-left" className="ml-mesh-strip">
            <span className="ml-mesh-strip__title">Mesh-wide</span>
            <PolicyBadges policies={meshPolicies} />
          </Panel>
        )}
      </ReactFlow>
      <DiagramDescription graph={graph} id={descriptionId} />
    </div>
  );
}

/** The diagram as text, for screen readers (visually hidden). */
const DiagramDescription = memo(function DiagramDescription({ graph, id }: { graph: TPatternGraph; id: string }) {
  const more = (n: number) => (n > DESCRIBE_LIMIT ? <li>and {n - DESCRIBE_LIMIT} more</li> : null);
  const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return (
    <div className="ml-sr-only">
      <p id={id}>
        {count(graph.nodes.length, 'node')} and {count(graph.edges.length, 'connection')}; the lists below describe them.
      </p>
      {graph.meshPolicies.length > 0 && (
        <>
          <p>Mesh-wide policies:</p>
          <ul>
            {graph.meshPolicies.map((p) => (
              <li key={p.policyIndex}>{p.namespace ? `${p.description} (namespace ${p.namespace})` : p.description}</li>
            ))}
          </ul>
        </>
      )}
      <p>Services, gateways and external services:</p>
      <ul>
        {graph.nodes.slice(0, DESCRIBE_LIMIT).map((n) => (
          <li key={n.id}>{describeNode(n)}</li>
        ))}
        {more(graph.nodes.length)}
      </ul>
      {graph.edges.length > 0 && (
        <>
          <p>Calls and routes:</p>
          <ul>
            {graph.edges.slice(0, DESCRIBE_LIMIT).map((e) => (
              <li key={e.id}>{describeEdge(e)}</li>
            ))}
            {more(graph.edges.length)}
          </ul>
        </>
      )}
    </div>
  );
});
