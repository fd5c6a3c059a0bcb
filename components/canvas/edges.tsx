'use client';

import { BaseEdge, EdgeLabelRenderer, getSmoothStepPath, type Edge, type EdgeProps, type EdgeTypes } from '@xyflow/react';
import { memo } from 'react';
import type { TRouteEdgeData } from '@/patterns/language/graph';
import { PolicyBadges } from './nodes';

export type TRouteFlowEdge = Edge<TRouteEdgeData, 'route'>;

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
  const [path, labelX, labelY] = getSmoothStepPath({ sourceX, sourceY, sourcePosition, targetX, targetY, targetPosition, borderRadius: 10 });
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
