export { PatternDiagram, toFlowNodes, toFlowEdges, describeNode, describeEdge, type PatternDiagramProps } from './pattern-diagram';
export {
  nodeTypes,
  ServiceNode,
  GatewayNode,
  ExternalNode,
  PolicyBadges,
  type TPatternFlowNode,
  type TServiceFlowNode,
  type TGatewayFlowNode,
  type TExternalFlowNode,
} from './nodes';
export { edgeTypes, RouteEdge, type TRouteFlowEdge, type TRouteEdgeFlowData } from './edges';
