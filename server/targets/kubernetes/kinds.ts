/**
 * Every resource kind Meshloom renders for a Kubernetes mesh: its plural (the CRD is named
 * `<plural>.<group>`), its scope, and which install provides it. Used to name a missing CRD and
 * the install that brings it (ML7021), and as the list of kinds `delete`, `status` and the
 * plan's prune look through for a deployment's objects (listing every kind a cluster serves
 * would cost hundreds of requests). `kinds.test.ts` checks that every kind the adapters render
 * for the catalog is here and, when ../shared is present, that plurals and scopes match the
 * upstream CRDs.
 */
import type { TMeshId } from '@/patterns/language/schema';

export type TKindProvider = Exclude<TMeshId, 'haproxy'> | 'gateway-api-experimental' | 'kubernetes';

export interface TKnownKind {
  /** `networking.istio.io/v1`, `v1` … (the version Meshloom renders). */
  apiVersion: string;
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  /** Installs that provide the kind, the usual one first. */
  providers: TKindProvider[];
}

const PROVIDERS: Record<TKindProvider, { title: string; install: string }> = {
  kubernetes: { title: 'Kubernetes', install: 'use a cluster whose Kubernetes version serves it (a built-in kind)' },
  istio: { title: 'Istio', install: 'install Istio (istioctl install / the istio-base chart)' },
  linkerd: { title: 'Linkerd', install: "install Linkerd's CRDs (linkerd install --crds | kubectl apply -f - / the linkerd-crds chart)" },
  consul: { title: 'Consul', install: 'install Consul on Kubernetes (consul-k8s install / the hashicorp/consul chart with connectInject.enabled=true)' },
  kuma: { title: 'Kuma', install: 'install Kuma (kumactl install control-plane | kubectl apply -f - / the kuma chart)' },
  osm: { title: 'Open Service Mesh', install: 'install Open Service Mesh (osm install / the osm chart), which also installs the SMI CRDs it serves' },
  smi: { title: 'SMI', install: 'install the SMI CRDs (the crds/ of servicemeshinterface/smi-sdk-go v0.5.0, or a mesh that ships them)' },
  'gateway-api': {
    title: 'Gateway API',
    install: 'install the Gateway API CRDs (standard channel: kubectl apply --server-side -f https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.6.1/standard-install.yaml)',
  },
  'gateway-api-experimental': {
    title: 'Gateway API (experimental channel)',
    install: 'install the Gateway API experimental-channel CRDs (experimental-install.yaml of Gateway API v1.6.1)',
  },
};

/** [apiVersion, kind, plural, namespaced, providers]. */
type TRow = [string, string, string, boolean, TKindProvider[]];

const ROWS: TRow[] = [
  // Built in.
  ['v1', 'Namespace', 'namespaces', false, ['kubernetes']],
  ['v1', 'ServiceAccount', 'serviceaccounts', true, ['kubernetes']],
  ['v1', 'ConfigMap', 'configmaps', true, ['kubernetes']],
  ['v1', 'Secret', 'secrets', true, ['kubernetes']],
  ['v1', 'Service', 'services', true, ['kubernetes']],
  ['apps/v1', 'Deployment', 'deployments', true, ['kubernetes']],
  ['networking.k8s.io/v1', 'NetworkPolicy', 'networkpolicies', true, ['kubernetes']],
  ['networking.k8s.io/v1', 'Ingress', 'ingresses', true, ['kubernetes']],
  // Istio.
  ['networking.istio.io/v1', 'VirtualService', 'virtualservices', true, ['istio']],
  ['networking.istio.io/v1', 'DestinationRule', 'destinationrules', true, ['istio']],
  ['networking.istio.io/v1', 'Gateway', 'gateways', true, ['istio']],
  ['networking.istio.io/v1', 'ServiceEntry', 'serviceentries', true, ['istio']],
  ['networking.istio.io/v1', 'Sidecar', 'sidecars', true, ['istio']],
  ['networking.istio.io/v1alpha3', 'EnvoyFilter', 'envoyfilters', true, ['istio']],
  ['networking.istio.io/v1beta1', 'ProxyConfig', 'proxyconfigs', true, ['istio']],
  ['security.istio.io/v1', 'PeerAuthentication', 'peerauthentications', true, ['istio']],
  ['security.istio.io/v1', 'AuthorizationPolicy', 'authorizationpolicies', true, ['istio']],
  ['telemetry.istio.io/v1', 'Telemetry', 'telemetries', true, ['istio']],
  ['extensions.istio.io/v1alpha1', 'WasmPlugin', 'wasmplugins', true, ['istio']],
  // Linkerd.
  ['policy.linkerd.io/v1beta3', 'Server', 'servers', true, ['linkerd']],
  ['policy.linkerd.io/v1alpha1', 'AuthorizationPolicy', 'authorizationpolicies', true, ['linkerd']],
  ['policy.linkerd.io/v1alpha1', 'MeshTLSAuthentication', 'meshtlsauthentications', true, ['linkerd']],
  ['policy.linkerd.io/v1alpha1', 'NetworkAuthentication', 'networkauthentications', true, ['linkerd']],
  ['policy.linkerd.io/v1alpha1', 'HTTPLocalRateLimitPolicy', 'httplocalratelimitpolicies', true, ['linkerd']],
  ['policy.linkerd.io/v1alpha1', 'EgressNetwork', 'egressnetworks', true, ['linkerd']],
  ['linkerd.io/v1alpha2', 'ServiceProfile', 'serviceprofiles', true, ['linkerd']],
  // Consul.
  ['consul.hashicorp.com/v1alpha1', 'ServiceDefaults', 'servicedefaults', true, ['consul']],
  ['consul.hashicorp.com/v1alpha1', 'ServiceResolver', 'serviceresolvers', true, ['consul']],
  ['consul.hashicorp.com/v1alpha1', 'ServiceSplitter', 'servicesplitters', true, ['consul']],
  ['consul.hashicorp.com/v1alpha1', 'ServiceRouter', 'servicerouters', true, ['consul']],
  ['consul.hashicorp.com/v1alpha1', 'ServiceIntentions', 'serviceintentions', true, ['consul']],
  ['consul.hashicorp.com/v1alpha1', 'ProxyDefaults', 'proxydefaults', true, ['consul']],
  ['consul.hashicorp.com/v1alpha1', 'Mesh', 'meshes', true, ['consul']],
  ['consul.hashicorp.com/v1alpha1', 'IngressGateway', 'ingressgateways', true, ['consul']],
  ['consul.hashicorp.com/v1alpha1', 'TerminatingGateway', 'terminatinggateways', true, ['consul']],
  // Kuma.
  ['kuma.io/v1alpha1', 'Mesh', 'meshes', false, ['kuma']],
  ['kuma.io/v1alpha1', 'MeshGateway', 'meshgateways', false, ['kuma']],
  ['kuma.io/v1alpha1', 'MeshGatewayInstance', 'meshgatewayinstances', true, ['kuma']],
  ['kuma.io/v1alpha1', 'MeshHTTPRoute', 'meshhttproutes', true, ['kuma']],
  ['kuma.io/v1alpha1', 'MeshTCPRoute', 'meshtcproutes', true, ['kuma']],
  ['kuma.io/v1alpha1', 'MeshTimeout', 'meshtimeouts', true, ['kuma']],
  ['kuma.io/v1alpha1', 'MeshRetry', 'meshretries', true, ['kuma']],
  ['kuma.io/v1alpha1', 'MeshCircuitBreaker', 'meshcircuitbreakers', true, ['kuma']],
  ['kuma.io/v1alpha1', 'MeshRateLimit', 'meshratelimits', true, ['kuma']],
  ['kuma.io/v1alpha1', 'MeshTrafficPermission', 'meshtrafficpermissions', true, ['kuma']],
  ['kuma.io/v1alpha1', 'MeshHealthCheck', 'meshhealthchecks', true, ['kuma']],
  ['kuma.io/v1alpha1', 'MeshFaultInjection', 'meshfaultinjections', true, ['kuma']],
  ['kuma.io/v1alpha1', 'MeshLoadBalancingStrategy', 'meshloadbalancingstrategies', true, ['kuma']],
  ['kuma.io/v1alpha1', 'MeshTLS', 'meshtlses', true, ['kuma']],
  ['kuma.io/v1alpha1', 'MeshAccessLog', 'meshaccesslogs', true, ['kuma']],
  ['kuma.io/v1alpha1', 'MeshTrace', 'meshtraces', true, ['kuma']],
  ['kuma.io/v1alpha1', 'MeshMetric', 'meshmetrics', true, ['kuma']],
  ['kuma.io/v1alpha1', 'MeshExternalService', 'meshexternalservices', true, ['kuma']],
  // Open Service Mesh (its own kinds; the SMI kinds it serves are below).
  ['config.openservicemesh.io/v1alpha2', 'MeshConfig', 'meshconfigs', true, ['osm']],
  ['policy.openservicemesh.io/v1alpha1', 'UpstreamTrafficSetting', 'upstreamtrafficsettings', true, ['osm']],
  ['policy.openservicemesh.io/v1alpha1', 'Retry', 'retries', true, ['osm']],
  ['policy.openservicemesh.io/v1alpha1', 'Egress', 'egresses', true, ['osm']],
  ['policy.openservicemesh.io/v1alpha1', 'IngressBackend', 'ingressbackends', true, ['osm']],
  // SMI (OSM serves TrafficSplit v1alpha2; the SMI SDK's CRDs serve v1alpha4).
  ['split.smi-spec.io/v1alpha4', 'TrafficSplit', 'trafficsplits', true, ['smi']],
  ['split.smi-spec.io/v1alpha2', 'TrafficSplit', 'trafficsplits', true, ['osm']],
  ['access.smi-spec.io/v1alpha3', 'TrafficTarget', 'traffictargets', true, ['smi', 'osm']],
  ['specs.smi-spec.io/v1alpha4', 'HTTPRouteGroup', 'httproutegroups', true, ['smi', 'osm']],
  ['specs.smi-spec.io/v1alpha4', 'TCPRoute', 'tcproutes', true, ['smi', 'osm']],
  // Gateway API (standard channel v1; Linkerd's CRDs bring the routes it uses).
  ['gateway.networking.k8s.io/v1', 'Gateway', 'gateways', true, ['gateway-api']],
  ['gateway.networking.k8s.io/v1', 'HTTPRoute', 'httproutes', true, ['gateway-api', 'linkerd']],
  ['gateway.networking.k8s.io/v1', 'GRPCRoute', 'grpcroutes', true, ['gateway-api', 'linkerd']],
  ['gateway.networking.k8s.io/v1', 'TLSRoute', 'tlsroutes', true, ['gateway-api']],
  ['gateway.networking.k8s.io/v1alpha2', 'TLSRoute', 'tlsroutes', true, ['linkerd', 'gateway-api-experimental']],
  ['gateway.networking.x-k8s.io/v1alpha1', 'XBackendTrafficPolicy', 'xbackendtrafficpolicies', true, ['gateway-api-experimental']],
];

function groupVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

export const KNOWN_KINDS: readonly TKnownKind[] = ROWS.map(([apiVersion, kind, plural, namespaced, providers]) => ({
  apiVersion,
  ...groupVersion(apiVersion),
  kind,
  plural,
  namespaced,
  providers,
}));

const byApiVersionKind = new Map(KNOWN_KINDS.map((k) => [`${k.apiVersion}|${k.kind}`, k]));

/** The table entry of an apiVersion and kind, if Meshloom renders it. */
export function knownKind(apiVersion: string, kind: string): TKnownKind | undefined {
  return byApiVersionKind.get(`${apiVersion}|${kind}`);
}

/** Each group and kind once (first version listed): what `delete`/`status` list for a deployment. */
export function knownGroupKinds(): TKnownKind[] {
  const seen = new Set<string>();
  const out: TKnownKind[] = [];
  for (const k of KNOWN_KINDS) {
    const id = `${k.group}|${k.kind}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(k);
  }
  return out;
}

/** The CRD name of a kind (`virtualservices.networking.istio.io`); a guess from the kind when Meshloom does not know it. */
export function crdName(apiVersion: string, kind: string): string {
  const { group } = groupVersion(apiVersion);
  const plural = knownKind(apiVersion, kind)?.plural ?? KNOWN_KINDS.find((k) => k.group === group && k.kind === kind)?.plural ?? guessPlural(kind);
  return group ? `${plural}.${group}` : plural;
}

function guessPlural(kind: string): string {
  const lower = kind.toLowerCase();
  if (/(s|x|z|ch|sh)$/.test(lower)) return `${lower}es`;
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  return `${lower}s`;
}

/** Which install provides a kind, preferring the mesh being deployed when it is one of the providers. */
export function providerOf(apiVersion: string, kind: string, mesh?: TMeshId): { id: TKindProvider | 'unknown'; title: string; install: string } {
  const { group } = groupVersion(apiVersion);
  const entry = knownKind(apiVersion, kind) ?? KNOWN_KINDS.find((k) => k.group === group && k.kind === kind);
  if (!entry) return { id: 'unknown', title: 'an unknown provider', install: `install the CRD that defines ${kind} (${apiVersion})` };
  const id = entry.providers.find((p) => p === mesh) ?? entry.providers[0]!;
  const provider = PROVIDERS[id];
  // Linkerd uses Gateway API routes; its CRD chart installs them only when asked to.
  if (id === 'linkerd' && group === 'gateway.networking.k8s.io') {
    return { id, title: provider.title, install: `${provider.install.replace(/\)$/, '')} with installGatewayAPI=true, or the Gateway API CRDs of a release)` };
  }
  return { id, ...provider };
}
