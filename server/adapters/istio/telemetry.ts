/**
 * telemetry.istio.io/v1 Telemetry: AccessLog, Tracing and Metrics policies of one scope (mesh,
 * namespace or workload) merged into one object, since Istio applies only one Telemetry per scope.
 */
import type { TManifest } from '../types';
import { objectName } from '../shared/k8s';
import { type IstioContext, ROOT_NAMESPACE, type TPath } from './context';

type TObj = Record<string, unknown>;

interface TScope {
  namespace: string;
  name: string;
  selector?: Record<string, string>;
  spec: TObj;
  kinds: Set<string>;
}

export function renderTelemetries(ctx: IstioContext): TManifest[] {
  const scopes = new Map<string, TScope>();

  const scopeOf = (p: { target?: string; route?: string; namespace?: string }, path: TPath): TScope | undefined => {
    let target = p.target;
    if (!target && p.route) {
      const r = ctx.routes.get(p.route);
      if (!r) {
        ctx.warn(path, `Istio: unknown route ${p.route}`);
        return undefined;
      }
      target = r.route.gateway ?? r.route.service;
      ctx.info(path, `Istio: telemetry is configured per workload, not per route; applied to ${target}`);
    }
    const ext = target ? ctx.externals.get(target) : undefined;
    if (ext && target && !ctx.services.has(target)) {
      if (!ext.viaGateway || !ctx.gateways.has(ext.viaGateway)) {
        ctx.warn(path, `Istio: requests to ${target} are observed only by the callers' sidecars; not rendered (route it through an egress gateway, or target the callers)`);
        return undefined;
      }
      ctx.info(path, `Istio: applied to egress gateway ${ext.viaGateway}, which all traffic to ${target} passes`);
      target = ext.viaGateway;
    }
    let key: string;
    let scope: Omit<TScope, 'spec' | 'kinds'>;
    if (!target) {
      const namespace = p.namespace ?? ROOT_NAMESPACE;
      key = `ns:${namespace}`;
      scope = { namespace, name: p.namespace ? 'default' : 'mesh-default' };
    } else if (ctx.gateways.has(target)) {
      const gw = ctx.gateways.get(target);
      if (!gw) return undefined;
      key = `gw:${target}`;
      scope = { namespace: gw.namespace, name: objectName(gw.name), selector: ctx.gatewaySelector(gw) };
    } else if (ctx.services.has(target)) {
      key = `svc:${target}`;
      scope = { namespace: ctx.namespaceOf(target), name: objectName(target), selector: { app: target } };
    } else {
      ctx.warn(path, `Istio: unknown target ${target}`);
      return undefined;
    }
    let s = scopes.get(key);
    if (!s) scopes.set(key, (s = { ...scope, spec: {}, kinds: new Set() }));
    return s;
  };
  const claim = (s: TScope, kind: string, path: TPath): boolean => {
    if (s.kinds.has(kind)) {
      ctx.warn(path, `Istio: one ${kind} setting per Telemetry scope; this policy repeats one for ${s.namespace}/${s.name} and is not rendered`);
      return false;
    }
    s.kinds.add(kind);
    return true;
  };

  for (const { policy: p, path } of ctx.policies('AccessLog')) {
    const s = scopeOf(p, path);
    if (!s || !claim(s, 'AccessLog', path)) continue;
    s.spec.accessLogging = [{ providers: [{ name: 'envoy' }], ...(p.filter ? { filter: { expression: p.filter } } : {}) }];
    if (p.format === 'json' || p.path !== '/dev/stdout')
      ctx.info(
        path,
        `Istio: the built-in envoy provider logs text to /dev/stdout; for ${p.format === 'json' ? 'JSON ' : ''}logs${p.path !== '/dev/stdout' ? ` to ${p.path}` : ''} define an envoyFileAccessLog extensionProvider in meshConfig and name it in accessLogging.providers`,
        'access-log',
      );
  }
  for (const { policy: p, path } of ctx.policies('Tracing')) {
    const s = scopeOf(p, path);
    if (!s || !claim(s, 'Tracing', path)) continue;
    const tags = p.tags && Object.keys(p.tags).length > 0 ? Object.fromEntries(Object.entries(p.tags).map(([k, v]) => [k, { literal: { value: v } }])) : undefined;
    s.spec.tracing = [{ randomSamplingPercentage: p.samplingPercentage, ...(tags ? { customTags: tags } : {}) }];
    ctx.info(
      path,
      `Istio: trace backends are meshConfig extensionProviders; add a ${p.provider} provider${p.endpoint ? ` for ${p.endpoint}` : ''} and make it the default tracing provider (meshConfig.defaultProviders.tracing)`,
      'tracing',
    );
  }
  for (const { policy: p, path } of ctx.policies('Metrics')) {
    const s = scopeOf(p, path);
    if (!s || !claim(s, 'Metrics', path)) continue;
    const tags = p.tags && Object.keys(p.tags).length > 0 ? p.tags : undefined;
    s.spec.metrics = [
      {
        ...(p.provider === 'prometheus' ? { providers: [{ name: 'prometheus' }] } : {}),
        ...(tags
          ? { overrides: [{ match: { metric: 'ALL_METRICS', mode: 'CLIENT_AND_SERVER' }, tagOverrides: Object.fromEntries(Object.entries(tags).map(([k, v]) => [k, { operation: 'UPSERT', value: v }])) }] }
          : {}),
      },
    ];
    if (p.provider !== 'prometheus')
      ctx.info(path, 'Istio: OpenTelemetry metrics need an extensionProvider in meshConfig; the default metrics provider is used', 'metrics');
  }

  return [...scopes.values()].map((s) => ({
    apiVersion: 'telemetry.istio.io/v1',
    kind: 'Telemetry',
    metadata: { name: s.name, namespace: s.namespace },
    spec: { ...(s.selector ? { selector: { matchLabels: s.selector } } : {}), ...s.spec },
  }));
}
