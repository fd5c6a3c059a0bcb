/**
 * Automatic positions for a pattern graph: ELK "layered", left to right, gateways in the first
 * layer and external services in the last. Positions saved in `pattern.layout` are kept.
 *
 * Universal code (Node and browser). ELK's bundled build (~1.5 MB) is imported lazily, so
 * importing this module for the size constants costs nothing until a layout is asked for.
 */
import type { ELK as TElk, ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api';
import type { TGraphEdge, TGraphNode, TGraphNodeData, TPatternGraph } from './graph';

export type TPoint = { x: number; y: number };

/**
 * Box model of the diagram's nodes, shared with `components/canvas/canvas.css` (keep the
 * two in step): the React nodes take exactly these sizes, so layouts never overlap.
 */
export const NODE_BOX = {
  width: 232,
  padX: 12,
  padY: 10,
  border: 1,
  header: 20,
  rowGap: 6,
  line: 16,
  chip: 20,
  chipGap: 4,
  chipPadX: 7,
  /** Average advance of the 11px UI font, rounded up so estimates err on the large side. */
  charWidth: 6.6,
} as const;
/** Text lines (kind line, then listeners or hosts) a gateway or external node shows before "+N more". */
export const NODE_MAX_LINES = 4;

function chipWidth(text: string): number {
  return Math.ceil(text.length * NODE_BOX.charWidth) + 2 * NODE_BOX.chipPadX + 2;
}

/** Rows a list of chips wraps into within a node's content width. */
export function chipRows(texts: string[]): number {
  const inner = NODE_BOX.width - 2 * NODE_BOX.padX - 2 * NODE_BOX.border;
  let rows = 0;
  let used = Infinity;
  for (const t of texts) {
    const w = Math.min(chipWidth(t), inner);
    if (used + NODE_BOX.chipGap + w > inner) {
      rows++;
      used = w;
    } else used += NODE_BOX.chipGap + w;
  }
  return rows;
}

function rowsHeight(rows: number): number {
  return rows === 0 ? 0 : NODE_BOX.rowGap + rows * NODE_BOX.chip + (rows - 1) * NODE_BOX.chipGap;
}
function linesHeight(lines: number): number {
  return lines === 0 ? 0 : NODE_BOX.rowGap + lines * NODE_BOX.line;
}

/** The rendered size of a node of the diagram. */
export function nodeSize(node: { data: TGraphNodeData }): { width: number; height: number } {
  const d = node.data;
  let body = 0;
  if (d.kind === 'service') {
    body = linesHeight(1) + rowsHeight(chipRows(d.versions));
  } else {
    const lines = 1 + (d.kind === 'gateway' ? d.listeners.length : d.hosts.length);
    body = linesHeight(Math.min(lines, NODE_MAX_LINES) + (lines > NODE_MAX_LINES ? 1 : 0));
  }
  body += rowsHeight(chipRows(d.policies.map((p) => p.label)));
  return { width: NODE_BOX.width, height: 2 * NODE_BOX.border + 2 * NODE_BOX.padY + NODE_BOX.header + body };
}

/** The size an edge's label takes (reserved by the layout so labels sit between layers). */
export function edgeLabelSize(edge: { data: Pick<TGraphEdge['data'], 'label' | 'policies'> }): { width: number; height: number } | undefined {
  const { label, policies } = edge.data;
  if (label.length === 0 && policies.length === 0) return undefined;
  const longest = Math.max(0, ...label.map((l) => l.length));
  const badges = policies.reduce((w, p) => w + chipWidth(p.label) + NODE_BOX.chipGap, 0);
  return {
    width: Math.ceil(Math.max(longest * 6.2, badges) + 14),
    height: label.length * 15 + (policies.length ? NODE_BOX.chip + 2 : 0) + 8,
  };
}

let elk: Promise<TElk> | undefined;
function loadElk(): Promise<TElk> {
  elk ??= import('elkjs/lib/elk.bundled.js').then((m) => {
    const ELK = (m as unknown as { default: new () => TElk }).default;
    return new ELK();
  });
  return elk;
}

const LAYOUT_OPTIONS: Record<string, string> = {
  'elk.algorithm': 'layered',
  'elk.direction': 'RIGHT',
  'elk.padding': '[top=0,left=0,bottom=0,right=0]',
  'elk.spacing.nodeNode': '36',
  'elk.spacing.edgeLabel': '6',
  'elk.spacing.componentComponent': '56',
  'elk.layered.spacing.nodeNodeBetweenLayers': '44',
  'elk.layered.spacing.edgeNodeBetweenLayers': '16',
  'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
  'elk.edgeLabels.placement': 'CENTER',
};
/**
 * Small graphs: network-simplex placement (straighter edges). Big graphs: Brandes-Köpf
 * placement (network simplex took ~10x longer at 1,000 nodes), and layers wrap into rows near
 * the aspect ratio so long call chains do not make one very wide row.
 */
const BIG_GRAPH = 50;
const SMALL_OPTIONS: Record<string, string> = { ...LAYOUT_OPTIONS, 'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX' };
const BIG_OPTIONS: Record<string, string> = { ...LAYOUT_OPTIONS, 'elk.layered.wrapping.strategy': 'MULTI_EDGE', 'elk.aspectRatio': '1.6' };
/** Beyond this many edges, labels are not reserved: layout time matters more than label room. */
const LABEL_EDGE_LIMIT = 400;
const SAVED_GAP = 80;

export interface TLayoutOptions {
  /** `pattern.layout`: positions by node name (service, gateway or external service). */
  saved?: Record<string, TPoint> | undefined;
}

/** Node positions plus where ELK put each edge's label. */
export interface TGraphLayout {
  /** Top-left of every node, by node id. */
  nodes: Record<string, TPoint>;
  /**
   * Centre of the label of edges laid out together with both their nodes, by edge id. Edges
   * drawn through this point do not cross other labels; it is stale once a node moves.
   */
  labels: Record<string, TPoint>;
}

/**
 * Top-left positions for every node of `graph`, by node id. Nodes with a saved position keep
 * it; the others are laid out by ELK (among themselves) and placed below the saved ones.
 */
export async function layoutGraph(graph: TPatternGraph, options: TLayoutOptions = {}): Promise<Record<string, TPoint>> {
  return (await layoutGraphWithLabels(graph, options)).nodes;
}

/** {@link layoutGraph}, plus the label positions ELK reserved room for. */
export async function layoutGraphWithLabels(graph: TPatternGraph, options: TLayoutOptions = {}): Promise<TGraphLayout> {
  const out: Record<string, TPoint> = {};
  const labels: Record<string, TPoint> = {};
  const saved = options.saved ?? {};
  const free: TGraphNode[] = [];
  let savedBottom = -Infinity;
  let savedLeft = Infinity;
  for (const node of graph.nodes) {
    const pos = Object.hasOwn(saved, node.data.name) ? saved[node.data.name] : undefined;
    if (pos) {
      out[node.id] = { x: pos.x, y: pos.y };
      savedBottom = Math.max(savedBottom, pos.y + nodeSize(node).height);
      savedLeft = Math.min(savedLeft, pos.x);
    } else free.push(node);
  }
  if (free.length === 0) return { nodes: out, labels };

  const freeIds = new Set(free.map((n) => n.id));
  const withLabels = graph.edges.length <= LABEL_EDGE_LIMIT;
  const edges: ElkExtendedEdge[] = [];
  for (const e of graph.edges) {
    if (!freeIds.has(e.source) || !freeIds.has(e.target) || e.source === e.target) continue;
    const size = withLabels ? edgeLabelSize(e) : undefined;
    // ELK ignores labels without text: the id stands in for the label React Flow draws.
    edges.push({ id: e.id, sources: [e.source], targets: [e.target], ...(size ? { labels: [{ text: e.id, ...size }] } : {}) });
  }
  const root: ElkNode = {
    id: 'root',
    layoutOptions: free.length > BIG_GRAPH ? BIG_OPTIONS : SMALL_OPTIONS,
    children: free.map((n) => ({
      id: n.id,
      ...nodeSize(n),
      ...(n.type === 'gateway'
        ? { layoutOptions: { 'elk.layered.layering.layerConstraint': 'FIRST' } }
        : n.type === 'external'
          ? { layoutOptions: { 'elk.layered.layering.layerConstraint': 'LAST' } }
          : {}),
    })),
    edges,
  };
  const laid = await (await loadElk()).layout(root);
  const dx = Number.isFinite(savedLeft) ? savedLeft : 0;
  const dy = Number.isFinite(savedBottom) ? savedBottom + SAVED_GAP : 0;
  for (const child of laid.children ?? []) out[child.id] = { x: Math.round((child.x ?? 0) + dx), y: Math.round((child.y ?? 0) + dy) };
  for (const edge of laid.edges ?? []) {
    const l = edge.labels?.[0];
    if (l?.x !== undefined && l.y !== undefined) labels[edge.id] = { x: Math.round(l.x + (l.width ?? 0) / 2 + dx), y: Math.round(l.y + (l.height ?? 0) / 2 + dy) };
  }
  return { nodes: out, labels };
}
