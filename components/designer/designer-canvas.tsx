'use client';
import '@xyflow/react/dist/style.css';
import '@/components/canvas/canvas.css';
import {
  applyNodeChanges,
  Background,
  BackgroundVariant,
  Controls,
  MarkerType,
  MiniMap,
  Panel,
  ReactFlow,
  useReactFlow,
  type Connection,
  type EdgeMarker,
  type NodeChange,
  type OnSelectionChangeParams,
} from '@xyflow/react';
import { memo, useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import { edgeTypes, type TRouteFlowEdge } from '@/components/canvas/edges';
import { nodeTypes, type TPatternFlowNode } from '@/components/canvas/nodes';
import { addInclude, addNode, addPolicy, connectNodes, moveNodes, type TNodeKind } from '@/patterns/language/document';
import type { TPatternGraph } from '@/patterns/language/graph';
import { nodeSize } from '@/patterns/language/layout';
import { MESH_WIDE_POLICY_KINDS, type TPolicyKind } from '@/patterns/language/schema';
import { gridPositions } from './auto-place';
import { useDesigner, useDesignerStore } from './store/provider';
import type { TDesignerState } from './store/designer-store';

/** What the palette puts in a drag's dataTransfer under this type. */
export const DRAG_TYPE = 'application/x-meshloom';
export type TPaletteItem = { type: 'node'; kind: TNodeKind } | { type: 'policy'; kind: TPolicyKind } | { type: 'include'; pattern: string };

const MARKER: EdgeMarker = { type: MarkerType.ArrowClosed, width: 16, height: 16, color: 'var(--ml-edge)' };
const VIRTUALIZE_ABOVE = 200;
/** Above this many nodes: open zoomed on the first nodes, minimap off by default. */
const BIG = 400;
const nameOf = (id: string) => id.slice(id.indexOf(':') + 1);
const kindOf = (id: string) => id.slice(0, id.indexOf(':')) as TNodeKind;

const selectGraph = (s: TDesignerState) => s.graph;
const selectLayout = (s: TDesignerState) => s.parsed.pattern?.layout ?? (s.parsed.source as { layout?: Record<string, { x: number; y: number }> } | undefined)?.layout;
const selectProblems = (s: TDesignerState) => s.problems;
const selectReadOnly = (s: TDesignerState) => s.readOnly;
const selectAuto = (s: TDesignerState) => s.positions;

/** Saved layout (by name) → positions by node id. */
function savedPositions(graph: TPatternGraph, layout: Record<string, { x: number; y: number }> | undefined) {
  const out: Record<string, { x: number; y: number }> = {};
  if (!layout) return out;
  for (const n of graph.nodes) {
    const p = layout[n.data.name];
    if (p && typeof p.x === 'number' && typeof p.y === 'number') out[n.id] = { x: p.x, y: p.y };
  }
  return out;
}

/** The editable canvas: drag from the palette, connect to route, drag to move, select to edit. */
export const DesignerCanvas = memo(function DesignerCanvas() {
  const store = useDesignerStore();
  const graph = useDesigner(selectGraph);
  const layout = useDesigner(selectLayout);
  const problems = useDesigner(selectProblems);
  const readOnly = useDesigner(selectReadOnly);
  const auto = useDesigner(selectAuto);
  const flow = useReactFlow();
  const wrapper = useRef<HTMLDivElement>(null);
  useEffect(() => {
    // For e2e tests and benchmarks (the store holds nothing secret: the design the user sees).
    (window as unknown as { __meshloomDesigner?: unknown }).__meshloomDesigner = { store, flow };
  }, [store, flow]);

  // Positions: saved layout first, then last auto placement, then an instant grid for new nodes.
  const positions = useMemo(() => {
    const known = { ...auto, ...savedPositions(graph, layout) };
    return { ...known, ...gridPositions(graph, known) };
  }, [graph, layout, auto]);

  // Flow nodes with structural sharing: an unchanged node keeps its object, so React Flow skips it.
  const cache = useRef(new Map<string, { key: string; node: TPatternFlowNode }>());
  const baseNodes = useMemo(() => {
    const next = new Map<string, { key: string; node: TPatternFlowNode }>();
    const nodes = graph.nodes.map((n) => {
      const problem = problems[n.id];
      const p = positions[n.id] ?? { x: 0, y: 0 };
      const key = `${JSON.stringify(n.data)}|${p.x},${p.y}|${problem ? `${problem.count}${problem.severity}${problem.first.message}` : ''}`;
      const prev = cache.current.get(n.id);
      const size = nodeSize(n);
      const node =
        prev && prev.key === key
          ? prev.node
          : ({
              id: n.id,
              type: n.type,
              position: p,
              // Sizes before measurement, so only nodes in view are rendered from the first frame.
              initialWidth: size.width,
              initialHeight: size.height,
              data: problem ? { ...n.data, problem: { count: problem.count, severity: problem.severity, message: problem.first.message } } : n.data,
              ariaLabel: `${n.type} ${n.data.name}`,
            } as TPatternFlowNode);
      next.set(n.id, { key, node });
      return node;
    });
    cache.current = next;
    return nodes;
  }, [graph, positions, problems]);

  const edgeCache = useRef(new Map<string, { key: string; edge: TRouteFlowEdge }>());
  const edges = useMemo<TRouteFlowEdge[]>(() => {
    const next = new Map<string, { key: string; edge: TRouteFlowEdge }>();
    const out = graph.edges.map((e) => {
      const problem = problems[e.id];
      const key = `${e.source}|${e.target}|${JSON.stringify(e.data)}|${problem?.severity ?? ''}`;
      const prev = edgeCache.current.get(e.id);
      const edge =
        prev && prev.key === key
          ? prev.edge
          : {
              ...e,
              markerEnd: MARKER,
              className: problem ? `ml-edge-problem ml-edge-problem--${problem.severity}` : undefined,
              ariaLabel: `${e.data.kind} ${nameOf(e.source)} to ${nameOf(e.target)}`,
            };
      next.set(e.id, { key, edge });
      return edge;
    });
    edgeCache.current = next;
    return out;
  }, [graph, problems]);

  // Local node state lets React Flow drag smoothly; the text is written once, when a drag ends.
  const [nodes, setNodes] = useState(baseNodes);
  const [shown, setShown] = useState(baseNodes);
  if (shown !== baseNodes) {
    setShown(baseNodes);
    setNodes((current) => {
      const selected = new Set(current.filter((n) => n.selected).map((n) => n.id));
      return selected.size ? baseNodes.map((n) => (selected.has(n.id) ? { ...n, selected: true } : n)) : baseNodes;
    });
  }
  const onNodesChange = useCallback((changes: NodeChange<TPatternFlowNode>[]) => {
    setNodes((ns) => applyNodeChanges(changes, ns));
  }, []);

  const onNodeDragStop = useCallback(
    (_: unknown, _node: TPatternFlowNode, dragged: TPatternFlowNode[]) => {
      const moved = Object.fromEntries(dragged.map((n) => [n.data.name, n.position]));
      store.getState().edit((text) => moveNodes(text, moved));
    },
    [store],
  );

  // Clicking a problem badge shows the problem's line in the YAML (and the marker there).
  const onNodeClick = useCallback(
    (event: React.MouseEvent, node: TPatternFlowNode) => {
      if (!(event.target as HTMLElement).closest('.ml-problem')) return;
      const problem = store.getState().problems[node.id];
      if (problem) store.getState().revealPath(problem.first.path);
    },
    [store],
  );

  const onConnect = useCallback(
    (c: Connection) => {
      if (!c.source || !c.target) return;
      store.getState().edit((text) => connectNodes(text, { kind: kindOf(c.source), name: nameOf(c.source) }, { kind: kindOf(c.target), name: nameOf(c.target) }).text);
    },
    [store],
  );

  const onSelectionChange = useCallback(
    ({ nodes: ns, edges: es }: OnSelectionChangeParams) => {
      store.getState().select(
        ns.map((n) => n.id),
        es.map((e) => e.id),
      );
    },
    [store],
  );

  const onDragOver = useCallback((event: DragEvent) => {
    if (!event.dataTransfer.types.includes(DRAG_TYPE)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
  }, []);

  const onDrop = useCallback(
    (event: DragEvent) => {
      const raw = event.dataTransfer.getData(DRAG_TYPE);
      if (!raw) return;
      event.preventDefault();
      const item = JSON.parse(raw) as TPaletteItem;
      const position = flow.screenToFlowPosition({ x: event.clientX, y: event.clientY });
      const st = store.getState();
      if (item.type === 'node') {
        st.edit((text) => addNode(text, item.kind, { position: { x: position.x - 100, y: position.y - 30 } }).text);
      } else if (item.type === 'include') {
        st.edit((text) => addInclude(text, item.pattern));
      } else {
        const hit = flow.getIntersectingNodes({ x: position.x, y: position.y, width: 1, height: 1 })[0];
        if (hit) st.edit((text) => addPolicy(text, item.kind, { target: nameOf(hit.id) }).text);
        else if (MESH_WIDE_POLICY_KINDS.includes(item.kind)) st.edit((text) => addPolicy(text, item.kind).text);
        else st.notify('error', `Drop ${item.kind} onto the service, gateway or external service it protects.`);
      }
    },
    [flow, store],
  );

  // A small design without saved positions gets a proper ELK layout once (kept in memory, not
  // written to the file until the user moves something or asks for auto-layout).
  const laidOut = useRef(false);
  useEffect(() => {
    if (laidOut.current || graph.nodes.length === 0 || graph.nodes.length > 150) return;
    laidOut.current = true;
    if (Object.keys(savedPositions(graph, layout)).length > 0) return;
    void import('@/patterns/language/layout').then(({ layoutGraph }) =>
      layoutGraph(graph).then((p) => {
        store.getState().setPositions(p);
        requestAnimationFrame(() => void flow.fitView({ padding: 0.15, maxZoom: 1.1 }));
      }),
    );
  }, [graph, layout, store, flow]);

  // Fit the view once the first nodes are there. A big design opens at a readable zoom on its
  // first nodes instead: fitting thousands of nodes would render them all, unreadably small.
  const fitted = useRef(false);
  useEffect(() => {
    if (fitted.current || nodes.length === 0) return;
    fitted.current = true;
    if (nodes.length > BIG) {
      const first = nodes[0]!.position;
      void flow.setViewport({ x: 40 - first.x * 0.75, y: 40 - first.y * 0.75, zoom: 0.75 });
    } else requestAnimationFrame(() => void flow.fitView({ padding: 0.15, maxZoom: 1.1 }));
  }, [nodes, flow]);
  const [minimap, setMinimap] = useState<boolean | null>(null);
  const showMinimap = minimap ?? graph.nodes.length <= BIG;

  return (
    <div ref={wrapper} className="designer-canvas" data-testid="designer-canvas" onDragOver={onDragOver} onDrop={onDrop}>
      <ReactFlow<TPatternFlowNode, TRouteFlowEdge>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onNodesChange={onNodesChange}
        onNodeDragStop={onNodeDragStop}
        onConnect={onConnect}
        onNodeClick={onNodeClick}
        onSelectionChange={onSelectionChange}
        nodesDraggable={!readOnly}
        nodesConnectable={!readOnly}
        elementsSelectable
        deleteKeyCode={null}
        multiSelectionKeyCode={['Meta', 'Control', 'Shift']}
        selectionOnDrag={false}
        onlyRenderVisibleElements={graph.nodes.length > VIRTUALIZE_ABOVE}
        minZoom={0.05}
        maxZoom={2}
        proOptions={{ hideAttribution: false }}
      >
        <Background variant={BackgroundVariant.Dots} gap={18} size={1} />
        <Controls showInteractive={false} />
        {showMinimap && <MiniMap pannable zoomable ariaLabel="Minimap" />}
        <Panel position="top-right">
          <button type="button" className="btn small" onClick={() => setMinimap(!showMinimap)} aria-pressed={showMinimap} title={graph.nodes.length > BIG ? 'The minimap draws every node: slow for big designs' : undefined}>
            Minimap
          </button>
        </Panel>
      </ReactFlow>
    </div>
  );
});
