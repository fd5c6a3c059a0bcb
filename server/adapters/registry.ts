/**
 * Every adapter, one per mesh id. Exhaustive and typed: a mesh id without an adapter is a
 * compile error, and an unknown id at run time is a coded error — never a quiet fallback.
 */
import { MESH_IDS, type TMeshId, type TPattern } from '@/patterns/language/schema';
import { consulAdapter } from './consul';
import { gatewayApiAdapter } from './gateway-api';
import { haproxyAdapter } from './haproxy';
import { istioAdapter } from './istio';
import { kumaAdapter } from './kuma';
import { linkerdAdapter } from './linkerd';
import { osmAdapter } from './osm';
import { renderWithAdapter, type TRenderWithOptions } from './render';
import { smiAdapter } from './smi';
import type { TMeshAdapter, TRenderResult } from './types';

export const ADAPTERS: Record<TMeshId, TMeshAdapter> = {
  istio: istioAdapter,
  linkerd: linkerdAdapter,
  consul: consulAdapter,
  kuma: kumaAdapter,
  osm: osmAdapter,
  smi: smiAdapter,
  'gateway-api': gatewayApiAdapter,
  haproxy: haproxyAdapter,
};

/** The meshes a user renders for (the HAProxy sandbox is a deploy target, rendered by the sandbox). */
export const KUBERNETES_MESHES = MESH_IDS.filter((m) => m !== 'haproxy');

export class UnknownMeshError extends Error {
  readonly code = 'ML4005';
  constructor(readonly mesh: string) {
    super(`unknown mesh '${mesh}'; known meshes: ${MESH_IDS.join(', ')}`);
  }
}

export function isMeshId(id: string): id is TMeshId {
  return (MESH_IDS as readonly string[]).includes(id);
}

export function getAdapter(id: string): TMeshAdapter {
  if (!isMeshId(id)) throw new UnknownMeshError(id);
  return ADAPTERS[id];
}

/** Renders a (valid, resolved) pattern for one mesh: manifests plus diagnostics. */
export function renderPattern(mesh: string, pattern: TPattern, options?: TRenderWithOptions): TRenderResult {
  return renderWithAdapter(getAdapter(mesh), pattern, options);
}
