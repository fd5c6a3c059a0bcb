'use client';

import { BaseEdge, EdgeLabelRenderer, getSmoothStepPath, Position, type Edge, type EdgeProps, type EdgeTypes } from '@xyflow/react';
import { memo } from 'react';
import type { TRouteEdgeData } from '@/patterns/language/graph';
import { edgeLabelSize, type TPoint } from '@/patterns/language/layout';
import { PolicyBadges } from './nodes';

/** `labelAt`: where the layout reserved room for the label; the path then runs through it. */
export type TRouteEdgeFlowData = TRouteEdgeData & { labelAt?: TPoint };
export type TRouteFlowEdge = Edge<TRouteEdgeFlowData, 'route'>;
const RADIUS = 10;

/** A call or route between two nodes: smoothstep path, rule summary and route policies as an HTML label. */
export const RouteEdge = memo(function RouteEdge({
  id,
  sourceX,
  sourceY,
  targetX,
  targetY,
  sourcePosition,
  targetPosition,
  markerEnd,
  data,
}: EdgeProps<TRouteFlowEdge>) {
  const at = data?.labelAt;
  let path: string;
  let labelX: number;
  let labelY: number;
  const half = at && data ? (edgeLabelSize({ data })?.width ?? 0) / 2 : 0;
  if (at && at.x - half > sourceX && at.x + half < targetX) {
    // bend beside the label (never under it), then run through it
    const [toLabel] = getSmoothStepPath({
      sourceX, sourceY, sourcePosition, targetX: at.x, targetY: at.y, targetPosition: Position.Left,
      centerX: (sourceX + at.x - half) / 2, borderRadius: RADIUS,
    });
    const [fromLabel] = getSmoothStepPath({
      sourceX: at.x, sourceY: at.y, sourcePosition: Position.Right, targetX, targetY, targetPosition,
      centerX: (at.x + half + targetX) / 2, borderRadius: RADIUS,
    });
    path = `${toLabel} ${fromLabel}`;
    labelX = at.x;
    labelY = at.y;
  } else {
    [path, labelX, labelY] = getSmoothStepPath({ sourceX, sourceY, sourcePosition, targetX, targetY, targetPosition, borderRadius: RADIUS });
  }
  const kind = data?.kind ?? 'call';
  const lines = data?.label ?? [];
  const policies = data?.policies ?? [];
  return (
    <>
      <BaseEdge id={id} path={path} markerEnd={markerEnd} className={`ml-edge ml-edge--${kind}`} />
      {(lines.length > 0 || policies.length > 0) && (
        <EdgeLabelRenderer>
          <div
            className={`ml-edge-label ml-edge-label--${kind} nodrag nopan`}
            style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}
            title={data?.title || undefined}
          >
            {lines.map((l, i) => (
              <div key={i} className="ml-edge-label__line">
                {l}
              </div>
            ))}
            <PolicyBadges policies={policies} />
          </div>
        </EdgeLabelRenderer>
      )}
    </>
  );
});

/** Edge types of the pattern canvas: one object for the module's life (never rebuilt in render). */
export const edgeTypes = { route: RouteEdge } satisfies EdgeTypes;
