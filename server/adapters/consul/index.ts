/**
 * Consul service mesh on Kubernetes (consul-k8s CRDs, consul.hashicorp.com/v1alpha1).
 *
 * Consul config entries are keyed by the *Consul service name* (= the Kubernetes Service name),
 * not by an object name of our choosing: there is one ServiceDefaults, ServiceResolver,
 * ServiceRouter, ServiceSplitter and ServiceIntentions per service, ProxyDefaults is the singleton
 * `global` and Mesh the singleton `mesh`. Pattern features therefore merge into these entries.
 */
import type { TPattern } from '@/patterns/language/schema';
import type { TManifest, TMeshAdapter, TRenderResult } from '../types';
import { consulCapabilities } from './capabilities';
import { API_VERSION, ConsulContext, type TEntries, type TJson, subsetFilter } from './context';
import { renderExternal, renderIngressGateways } from './gateways';
import { intentionSources, renderIntentions } from './intentions';
import { renderPolicies } from './policies';
import { renderRoutes } from './routing';

export function renderConsul(pattern: TPattern): TRenderResult {
  const ctx = new ConsulContext(pattern);
  const external = renderExternal(ctx);
  const gatewayTargets = renderRoutes(ctx);
  renderPolicies(ctx);
  const intentions = renderIntentions(ctx);
  const ingress = renderIngressGateways(ctx, gatewayTargets);

  const manifests: TManifest[] = [];
  const entries = [...ctx.entries].filter(([name]) => !name.startsWith('gateway:'));
  for (const [name] of entries.filter(([n]) => ctx.gateways.has(n))) {
    ctx.diagnostics.push({ code: 'ML4006', severity: 'warning', message: `${name} is a gateway: Consul configures resolvers, routers and timeouts on services, so the settings aimed at it are not rendered`, path: ['spec', 'gateways'] });
  }
  entries.splice(0, entries.length, ...entries.filter(([n]) => !ctx.gateways.has(n)));
  for (const [name, e] of entries) manifests.push(serviceDefaults(name, e));
  for (const [name, e] of entries) {
    const resolver = serviceResolver(ctx, name, e);
    if (resolver) manifests.push(resolver);
  }
  for (const [name, e] of entries) {
    if (e.splits?.length) manifests.push(entry('ServiceSplitter', name, e.namespace, { splits: e.splits }));
  }
  for (const [name, e] of entries) {
    if (e.routes.length) manifests.push(entry('ServiceRouter', name, e.namespace, { routes: e.routes }));
  }
  for (const [name, d] of intentions) {
    const sources = intentionSources(d);
    if (sources.length === 0) continue;
    const objName = name === '*' ? 'all-services' : name;
    manifests.push(entry('ServiceIntentions', objName, d.namespace, { destination: { name }, sources }));
  }
  manifests.push(...ingress, ...external);
  if (Object.keys(ctx.proxyDefaults).length) manifests.push(entry('ProxyDefaults', 'global', 'default', ctx.proxyDefaults));
  if (Object.keys(ctx.mesh).length) manifests.push(entry('Mesh', 'mesh', 'default', ctx.mesh));
  return { manifests, diagnostics: ctx.diagnostics };
}

function entry(kind: string, name: string, namespace: string, spec: TJson): TManifest {
  // Objects shared between entries are fine: the manifest writer never prints anchors or aliases.
  return { apiVersion: API_VERSION, kind, metadata: { name, namespace }, spec };
}

function serviceDefaults(name: string, e: TEntries): TManifest {
  const spec: TJson = { protocol: e.protocol ?? 'http', ...e.defaults };
  if (e.upstreams.size) spec.upstreamConfig = { overrides: [...e.upstreams.values()] };
  return entry('ServiceDefaults', name, e.namespace, spec);
}

function serviceResolver(ctx: ConsulContext, name: string, e: TEntries): TManifest | undefined {
  const spec: TJson = { ...e.resolver };
  const used = e.resolver.subsets as Record<string, TJson> | undefined;
  if (used) {
    const versions = ctx.services.get(name)?.versions.map((v) => v.name) ?? Object.keys(used);
    spec.subsets = Object.fromEntries(versions.filter((v) => v in used).map((v) => [v, { filter: subsetFilter(name, v), onlyPassing: true }]));
  }
  if (Object.keys(spec).length === 0) return undefined;
  return entry('ServiceResolver', name, e.namespace, spec);
}

export const consulAdapter: TMeshAdapter = {
  id: 'consul',
  title: 'Consul',
  targets: 'Consul 1.18 (consul-k8s 1.4)',
  capabilities: consulCapabilities,
  render: renderConsul,
  workloadDecorations: {
    // Subsets select versions by the pod-name meta Consul registers (see subsetFilter), so no
    // per-version annotation (consul.hashicorp.com/service-meta-version) is needed.
    pod: { annotations: { 'consul.hashicorp.com/connect-inject': 'true' } },
  },
};
