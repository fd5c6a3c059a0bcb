'use client';

import { Handle, Position, type Node, type NodeProps, type NodeTypes } from '@xyflow/react';
import { memo, type ReactNode } from 'react';
import type {
  TExternalNodeData,
  TGatewayNodeData,
  TGraphNodeData,
  TPolicyBadge,
  TServiceNodeData,
} from '@/patterns/language/graph';
import { NODE_BOX, NODE_MAX_LINES, nodeSize } from '@/patterns/language/layout';
import type { TPolicyKind } from '@/patterns/language/schema';

/** Problems the designer found for a node (diagnostics whose path points into it). */
export type TNodeProblem = { count: number; severity: 'error' | 'warning' | 'info'; message: string };
type TWithProblem = { problem?: TNodeProblem };
export type TServiceFlowNode = Node<TServiceNodeData & TWithProblem, 'service'>;
export type TGatewayFlowNode = Node<TGatewayNodeData & TWithProblem, 'gateway'>;
export type TExternalFlowNode = Node<TExternalNodeData & TWithProblem, 'external'>;
export type TPatternFlowNode = TServiceFlowNode | TGatewayFlowNode | TExternalFlowNode;

/** Colour family of a policy pill, by what the policy is for. */
const POLICY_TONE: Record<TPolicyKind, 'resilience' | 'traffic' | 'security' | 'observe'> = {
  CircuitBreaker: 'resilience',
  ConnectionLimits: 'resilience',
  RetryBudget: 'resilience',
  Retry: 'resilience',
  Timeout: 'resilience',
  HealthCheck: 'resilience',
  LocalityFailover: 'resilience',
  RateLimit: 'traffic',
  LoadBalancing: 'traffic',
  FaultInjection: 'traffic',
  MutualTLS: 'security',
  Authorization: 'security',
  AccessLog: 'observe',
  Tracing: 'observe',
  Metrics: 'observe',
};

/** Small pills for policies; each names its policy in full for assistive tech and on hover. */
export const PolicyBadges = memo(function PolicyBadges({ policies }: { policies: TPolicyBadge[] }) {
  if (policies.length === 0) return null;
  return (
    <ul className="ml-badges" aria-label="Policies">
      {policies.map((p) => (
        <li key={p.policyIndex} className={`ml-badge ml-badge--${POLICY_TONE[p.kind]}`} title={p.description} aria-label={p.description}>
          {p.label}
        </li>
      ))}
    </ul>
  );
});

function NodeFrame({ kind, data, connectable, children }: { kind: TGraphNodeData['kind']; data: TGraphNodeData & TWithProblem; connectable: boolean; children: ReactNode }) {
  return (
    <div className={`ml-node ml-node--${kind}`} style={{ width: NODE_BOX.width, minHeight: nodeSize({ data }).height }}>
      <Handle type="target" position={Position.Left} isConnectable={connectable && kind !== 'gateway'} />
      {data.problem && (
        <span
          className={`ml-problem ml-problem--${data.problem.severity}`}
          data-testid={`problem-${kind}-${data.name}`}
          title={data.problem.message}
          aria-label={`${data.problem.count} problem${data.problem.count > 1 ? 's' : ''}: ${data.problem.message}`}
          role="status"
        >
          {data.problem.severity === 'error' ? '!' : '?'} {data.problem.count}
        </span>
      )}
      <div className="ml-node__head">
        <KindIcon kind={kind} />
        <span className="ml-node__name" title={data.name}>
          {data.name}
        </span>
      </div>
      {children}
      <PolicyBadges policies={data.policies} />
      <Handle type="source" position={Position.Right} isConnectable={connectable && kind !== 'external'} />
    </div>
  );
}

function KindIcon({ kind }: { kind: TGraphNodeData['kind'] }) {
  return (
    <svg className="ml-node__icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">
      {kind === 'service' ? (
        <path d="M8 1.5 14 5v6l-6 3.5L2 11V5l6-3.5Zm0 0v6.5m0 0 6-3m-6 3-6-3" fill="none" stroke="currentColor" strokeWidth="1.3" strokeLinejoin="round" />
      ) : kind === 'gateway' ? (
        <path d="M2.5 2.5h7v11h-7zM9.5 8h4.5m-2-2 2 2-2 2" fill="none" stroke="currentColor" strokeWidth="1.3" strokeLinejoin="round" strokeLinecap="round" />
      ) : (
        <>
          <circle cx="8" cy="8" r="6" fill="none" stroke="currentColor" strokeWidth="1.3" />
          <path d="M2 8h12M8 2c2 2 2 10 0 12M8 2c-2 2-2 10 0 12" fill="none" stroke="currentColor" strokeWidth="1.1" />
        </>
      )}
    </svg>
  );
}

function Lines({ lines, label }: { lines: string[]; label: string }) {
  const shown = lines.length > NODE_MAX_LINES ? lines.slice(0, NODE_MAX_LINES) : lines;
  return (
    <ul className="ml-node__lines" aria-label={label}>
      {shown.map((l, i) => (
        <li key={i} title={l}>
          {l}
        </li>
      ))}
      {shown.length < lines.length && <li className="ml-node__more">+{lines.length - shown.length} more</li>}
    </ul>
  );
}

export const ServiceNode = memo(function ServiceNode({ data, isConnectable }: NodeProps<TServiceFlowNode>) {
  const meta = [data.namespace !== 'default' ? data.namespace : '', data.protocol, data.ports.map((p) => `:${p}`).join(' ')].filter(Boolean);
  return (
    <NodeFrame kind="service" data={data} connectable={isConnectable}>
      <div className="ml-node__meta">{meta.join(' · ')}</div>
      {data.versions.length > 0 && (
        <ul className="ml-chips" aria-label="Versions">
          {data.versions.map((v) => (
            <li key={v} className="ml-chip">
              {v}
            </li>
          ))}
        </ul>
      )}
    </NodeFrame>
  );
});

export const GatewayNode = memo(function GatewayNode({ data, isConnectable }: NodeProps<TGatewayFlowNode>) {
  return (
    <NodeFrame kind="gateway" data={data} connectable={isConnectable}>
      <Lines lines={[`${data.type} gateway${data.namespace !== 'default' ? ` · ${data.namespace}` : ''}`, ...data.listeners]} label="Listeners" />
    </NodeFrame>
  );
});

export const ExternalNode = memo(function ExternalNode({ data, isConnectable }: NodeProps<TExternalFlowNode>) {
  return (
    <NodeFrame kind="external" data={data} connectable={isConnectable}>
      <Lines lines={[`external · ${data.ports.join(', ')}`, ...data.hosts]} label="Hosts" />
    </NodeFrame>
  );
});

/** Node types of the pattern canvas: one object for the module's life (never rebuilt in render). */
export const nodeTypes = {
  service: ServiceNode,
  gateway: GatewayNode,
  external: ExternalNode,
} satisfies NodeTypes;
