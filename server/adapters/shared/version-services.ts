/**
 * Per-version Services: meshes that split traffic across Services rather than pod subsets
 * (Gateway API, Kuma's MeshServices, Linkerd, SMI, OSM) give every version a route sends to its
 * own Kubernetes Service `<service>-<version>`, selecting the service's pods with that version's
 * labels, with the same ports as the service's workload Service.
 */
import type { TPattern, TService } from '@/patterns/language/schema';
import type { TManifest } from '../types';
import { objectName } from './k8s';
import { servicePorts, versionLabels } from './workloads';

type TVersion = TService['versions'][number];

/** The name of the Service selecting one version of a service: `<service>-<version>`. */
export function versionServiceName(service: string, version: string): string {
  return objectName(service, version);
}

/** The key a set of referenced versions uses: `<service>/<version>`. */
export function versionKey(service: string, version: string): string {
  return `${service}/${version}`;
}

/**
 * The versions that mesh routes (routes not attached to a gateway) send traffic to, as
 * versionKey keys: a backend's `service` (or the route's service) with its `version`.
 */
export function routedVersions(pattern: TPattern): Set<string> {
  const used = new Set<string>();
  for (const route of pattern.spec.routes) {
    if (route.gateway) continue;
    for (const rule of route.rules) for (const b of rule.backends) if (b.version) used.add(versionKey(b.service ?? route.service, b.version));
  }
  return used;
}

/**
 * The Service selecting one version of `s`. `version` is the version itself or its name; a name
 * the service does not declare selects pods labelled `version: <name>`.
 */
export function versionService(s: TService, version: TVersion | string): TManifest {
  const v = typeof version === 'string' ? s.versions.find((x) => x.name === version) : version;
  const name = typeof version === 'string' ? version : version.name;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: versionServiceName(s.name, name), namespace: s.namespace, labels: { app: s.name, version: name } },
    spec: {
      selector: { app: s.name, ...(v ? versionLabels(s, v) : { version: name }) },
      ports: servicePorts(s),
    },
  };
}

/** Options of renderVersionServices. */
export interface TVersionServicesOptions {
  /**
   * `pattern` (default): in the order the pattern declares services and their versions;
   * `key`: sorted by versionKey, each key resolved to the (last) service of that name and its
   * first version of that name.
   */
  order?: 'pattern' | 'key';
}

/**
 * The Services of the versions in `keys` (versionKey keys), one per version; keys naming no
 * declared service version render nothing.
 */
export function renderVersionServices(pattern: TPattern, keys: ReadonlySet<string>, options: TVersionServicesOptions = {}): TManifest[] {
  const out: TManifest[] = [];
  if (keys.size === 0) return out;
  if (options.order === 'key') {
    const services = new Map(pattern.spec.services.map((s) => [s.name, s]));
    for (const key of [...keys].sort()) {
      const [service, version] = key.split('/') as [string, string];
      const s = services.get(service);
      const v = s?.versions.find((x) => x.name === version);
      if (s && v) out.push(versionService(s, v));
    }
    return out;
  }
  for (const s of pattern.spec.services) for (const v of s.versions) if (keys.has(versionKey(s.name, v.name))) out.push(versionService(s, v));
  return out;
}
