import type { TMeshId } from './schema';

/** Display names of the meshes (adapters have their own `title`; these are for labels and menus). */
export const MESH_TITLES: Record<TMeshId, string> = {
  istio: 'Istio',
  linkerd: 'Linkerd',
  consul: 'Consul',
  kuma: 'Kuma',
  osm: 'Open Service Mesh',
  smi: 'SMI',
  'gateway-api': 'Gateway API (GAMMA)',
  haproxy: 'HAProxy sandbox',
};

/** Short names for badges and tabs. */
export const MESH_SHORT_TITLES: Record<TMeshId, string> = {
  istio: 'Istio',
  linkerd: 'Linkerd',
  consul: 'Consul',
  kuma: 'Kuma',
  osm: 'OSM',
  smi: 'SMI',
  'gateway-api': 'GAMMA',
  haproxy: 'Sandbox',
};
