/**
 * gateway.networking.k8s.io/v1beta1 ReferenceGrant: a route that sends to a Service in another
 * namespace needs the target namespace's permission.
 */
import { objectName } from '../shared/k8s';
import type { TManifest } from '../types';

export function renderReferenceGrants(manifests: TManifest[]): TManifest[] {
  // target namespace -> route kinds -> from namespaces
  const grants = new Map<string, Map<string, Set<string>>>();
  for (const m of manifests) {
    if (!['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute'].includes(m.kind)) continue;
    const from = m.metadata.namespace ?? 'default';
    const rules = ((m.spec as { rules?: unknown[] } | undefined)?.rules ?? []) as { backendRefs?: { namespace?: string }[]; filters?: { requestMirror?: { backendRef?: { namespace?: string } } }[] }[];
    const targets = rules.flatMap((r) => [...(r.backendRefs ?? []).map((b) => b.namespace), ...(r.filters ?? []).map((f) => f.requestMirror?.backendRef?.namespace)]);
    for (const to of targets) {
      if (!to || to === from) continue;
      const kinds = grants.get(to) ?? new Map<string, Set<string>>();
      const nss = kinds.get(m.kind) ?? new Set<string>();
      nss.add(from);
      kinds.set(m.kind, nss);
      grants.set(to, kinds);
    }
  }
  const out: TManifest[] = [];
  for (const [to, kinds] of grants) {
    const fromList = [...kinds].flatMap(([kind, nss]) => [...nss].map((namespace) => ({ group: 'gateway.networking.k8s.io', kind, namespace })));
    out.push({
      apiVersion: 'gateway.networking.k8s.io/v1beta1',
      kind: 'ReferenceGrant',
      metadata: { name: objectName('meshloom-routes-to', to), namespace: to },
      spec: { from: fromList, to: [{ group: '', kind: 'Service' }] },
    });
  }
  return out;
}
