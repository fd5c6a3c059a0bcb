/**
 * Import: mesh manifests (Istio, SMI, Gateway API/GAMMA, Linkerd, Consul, Kuma, Kubernetes)
 * and Meshery designs → one Meshloom pattern. Pure: no fs, no network; never throws.
 *
 * Whatever has no pattern equivalent is kept under `spec.overrides.<mesh>` (the whole object, or
 * the unmapped part of it) with a coded diagnostic: nothing is dropped silently.
 */
import { parsePattern, serializePattern, type TMeshId, type TPattern } from '../../patterns/language/index';
import { IMPORT_CODE_SEVERITY, IMPORT_CODES, type TImportDiagnostic } from './codes';
import { ImportContext, MESH_TITLES, meshOfApiVersion, ObjectScope, objectId, residualOf, slugify, type TManifest, type TRecord } from './core';
import { mapConsul } from './consul';
import { mapGatewayApi } from './gateway-api';
import { mapIstio } from './istio';
import { mapKubernetes } from './kubernetes';
import { mapKuma } from './kuma';
import { mapLinkerd } from './linkerd';
import { readInputs } from './read';
import { mapSmi } from './smi';

export { IMPORT_CODES, type TImportDiagnostic, type TImportCode } from './codes';
export { routingSemantics } from './semantics';

export interface TImportResult {
  /** The imported pattern (valid: it passed `parsePattern`), unless nothing could be imported. */
  pattern?: TPattern;
  /** `pattern` as canonical YAML (`serializePattern`). */
  text?: string;
  diagnostics: TImportDiagnostic[];
}

const MAPPERS: Partial<Record<TMeshId | 'kubernetes', (s: ObjectScope) => boolean>> = {
  istio: mapIstio,
  smi: mapSmi,
  'gateway-api': mapGatewayApi,
  linkerd: mapLinkerd,
  consul: mapConsul,
  kuma: mapKuma,
  kubernetes: mapKubernetes,
};

/** Order of mapping: declarations first (services, workloads, external services, gateways, subsets), then routes and policies. */
function rank(m: TManifest): number {
  const order = ['Service', 'Deployment', 'StatefulSet', 'ServiceAccount', 'ServiceEntry', 'Gateway', 'ServiceDefaults', 'Server', 'DestinationRule', 'ServiceResolver'];
  const i = order.indexOf(m.kind);
  return i === -1 ? order.length : i;
}

const POLICY_FAMILY: Record<string, string> = {
  MutualTLS: 'security',
  Authorization: 'security',
  AccessLog: 'observability',
  Tracing: 'observability',
  Metrics: 'observability',
  LoadBalancing: 'traffic-management',
};

/**
 * Imports manifests (multi-document YAML or JSON files, Meshery designs) into one pattern.
 * Diagnostics (ML5xxx) say what was inferred, what is ambiguous and what was kept as an
 * override; an input that yields nothing usable is an ML5001 error and no pattern.
 */
export function importManifests(inputs: { name: string; text: string }[]): TImportResult {
  const ctx = new ImportContext();
  try {
    return run(inputs, ctx);
  } catch (e) {
    ctx.diag('ML5000', `internal import error: ${e instanceof Error ? e.message : String(e)}`);
    return { diagnostics: ctx.diagnostics };
  }
}

function run(inputs: { name: string; text: string }[], ctx: ImportContext): TImportResult {
  const { manifests, designNames } = readInputs(inputs, ctx);
  ctx.manifests = manifests;
  for (const m of manifests) ctx.seeMesh(meshOfApiVersion(m.apiVersion) ?? 'unknown');

  const ordered = manifests.map((m, i) => ({ m, i })).sort((a, b) => rank(a.m) - rank(b.m) || a.i - b.i);
  for (const { m } of ordered) {
    const family = meshOfApiVersion(m.apiVersion);
    const mesh: TMeshId = family === undefined || family === 'kubernetes' ? ctx.closestMesh() : family;
    const scope = new ObjectScope(ctx, m, mesh);
    const mapper = family ? MAPPERS[family] : undefined;
    let mapped = false;
    try {
      mapped = mapper ? mapper(scope) : false;
    } catch (e) {
      scope.diag('ML5000', `could not map: ${e instanceof Error ? e.message : String(e)}; kept under spec.overrides.${mesh}`);
      scope.keepWhole = true;
      mapped = true;
    }
    if (!mapped) {
      if (family === 'kubernetes') {
        scope.diag('ML5009', `${m.kind} is not a mesh object: skipped`);
        continue;
      }
      scope.diag(
        'ML5003',
        family === undefined
          ? `${m.kind} (${m.apiVersion}) belongs to no known mesh; kept under spec.overrides.${mesh}, the mesh most of the inputs are for`
          : `${m.kind} has no pattern equivalent; kept under spec.overrides.${mesh}`,
      );
      ctx.keepOverride(mesh, m);
      continue;
    }
    ctx.objectsImported++;
    if (scope.keepWhole) ctx.keepOverride(mesh, m);
    else if (scope.unmappedPaths.length) ctx.keepOverride(mesh, m, residualOf(m.raw, scope.unmappedPaths));
  }
  return assemble(ctx, inputs, manifests, designNames);
}

function assemble(ctx: ImportContext, inputs: { name: string }[], manifests: TManifest[], designNames: string[]): TImportResult {
  // gateways that routes attach to but no input declares
  for (const r of ctx.routes) {
    const gw = r.item.gateway;
    if (typeof gw === 'string' && !ctx.gateways.some((g) => g.item.name === gw)) {
      ctx.gateways.push({ item: { name: gw }, origin: r.origin });
      ctx.diag('ML5005', `gateway '${gw}' is referenced but not among the inputs: added with one HTTP listener on port 80`, { file: r.origin.manifest.file, object: objectId(r.origin.manifest) });
    }
  }
  const services: TRecord[] = [];
  for (const s of ctx.services.values()) {
    if (ctx.externalByName(s.name)) continue;
    if (!s.declared) {
      const versions = [...s.versions.keys()];
      ctx.diag(
        'ML5005',
        `service '${s.name}' is referenced but never declared: added${versions.length ? ` with versions ${versions.join(', ')}` : ''}`,
        s.inferredFrom ? { file: s.inferredFrom.file, object: s.inferredFrom.object } : {},
      );
    }
    const svc: TRecord = { name: s.name };
    if (s.namespace && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(s.namespace)) svc.namespace = s.namespace;
    if (s.protocol) svc.protocol = s.protocol;
    if (s.ports.length) svc.ports = s.ports;
    if (s.versions.size) svc.versions = [...s.versions.values()];
    if (s.labels && Object.keys(s.labels).length) svc.labels = s.labels;
    services.push(svc);
  }

  let routes = ctx.routes;
  let policies = ctx.policies;
  let gateways = ctx.gateways;
  let externals = ctx.externalServices;
  const overrides = (): TRecord => {
    const out: TRecord = {};
    for (const [mesh, byId] of ctx.overrides) if (byId.size) out[mesh] = [...byId.values()];
    return out;
  };
  const usable = () => services.length + routes.length + policies.length + gateways.length + externals.length + ctx.overrides.size > 0;
  if (!usable()) {
    ctx.diag('ML5001', manifests.length ? `nothing to import: none of the ${manifests.length} objects maps to services, routes, policies or overrides` : 'nothing to import: no Kubernetes objects or Meshery designs in the input');
    return { diagnostics: ctx.diagnostics };
  }

  const firstName = designNames[0] ?? manifests[0]?.name ?? inputs[0]?.name.replace(/^.*[\\/]/, '').replace(/\.(ya?ml|json)$/i, '') ?? 'imported';
  const name = slugify(firstName);
  const meshes = [...new Set([...ctx.meshesSeen.keys()].filter((m) => m !== 'unknown'))].map((m) => MESH_TITLES[m] ?? m);
  const families = new Map<string, number>();
  for (const p of ctx.policies) {
    const f = POLICY_FAMILY[String(p.item.kind)] ?? 'resiliency';
    families.set(f, (families.get(f) ?? 0) + 1);
  }
  const topFamily = [...families.entries()].sort((a, b) => b[1] - a[1])[0];
  const category = topFamily && ctx.policies.length > ctx.routes.length ? topFamily[0] : 'traffic-management';
  const n = manifests.length;
  const metadata = {
    name,
    title: `${firstName} (imported)`.slice(0, 120),
    category,
    summary: `Imported from ${n} object${n === 1 ? '' : 's'} of ${meshes.join(', ') || 'unknown meshes'}`.slice(0, 300),
  };

  for (let attempt = 0; attempt < 8; attempt++) {
    const source = {
      apiVersion: 'meshloom.dev/v1alpha1',
      kind: 'Pattern',
      metadata,
      spec: {
        services,
        gateways: gateways.map((g) => g.item),
        externalServices: externals.map((e) => e.item),
        routes: routes.map((r) => r.item),
        policies: policies.map((p) => p.item),
        overrides: overrides(),
      },
    };
    const text = serializePattern(source);
    const parsed = parsePattern(text, { positions: false });
    if (parsed.ok && parsed.pattern) {
      return { pattern: parsed.pattern, text: serializePattern(parsed.pattern), diagnostics: ctx.diagnostics };
    }
    // take the items that failed validation out of the pattern; keep their objects as overrides
    const drop: Record<string, Map<number, string>> = { routes: new Map(), policies: new Map(), gateways: new Map(), externalServices: new Map() };
    let unplaced = 0;
    for (const d of parsed.diagnostics) {
      if (d.severity !== 'error') continue;
      const [root, section, index] = d.path;
      const bucket = root === 'spec' && typeof section === 'string' ? drop[section] : undefined;
      if (bucket && typeof index === 'number') {
        if (!bucket.has(index)) bucket.set(index, `${d.code} ${d.message}`);
      } else unplaced++;
    }
    const total = Object.values(drop).reduce((a, m) => a + m.size, 0);
    if (total === 0 || unplaced > 0 && total === 0) {
      for (const d of parsed.diagnostics.filter((x) => x.severity === 'error').slice(0, 10))
        ctx.diag('ML5000', `imported pattern is invalid: ${d.code} ${d.message} at ${d.path.join('.')}`);
      return { diagnostics: ctx.diagnostics };
    }
    const keepOut = <T extends { item: TRecord; origin: { manifest: TManifest; mesh: TMeshId } }>(list: T[], bucket: Map<number, string>, what: string): T[] =>
      list.filter((entry, i) => {
        const why = bucket.get(i);
        if (why === undefined) return true;
        const m = entry.origin.manifest;
        if (m.kind !== 'Host') ctx.keepOverride(entry.origin.mesh, m);
        ctx.diag('ML5008', `${what} mapped from this object is not a valid pattern item (${why}); the object is kept whole under spec.overrides.${entry.origin.mesh}`, { file: m.file, object: objectId(m) });
        return false;
      });
    routes = keepOut(routes, drop.routes!, 'the route');
    policies = keepOut(policies, drop.policies!, 'the policy');
    gateways = keepOut(gateways, drop.gateways!, 'the gateway');
    externals = keepOut(externals, drop.externalServices!, 'the external service');
  }
  ctx.diag('ML5000', 'imported pattern could not be made valid');
  return { diagnostics: ctx.diagnostics };
}

/** Severity of a code, for callers that build their own diagnostics. */
export function importSeverity(code: keyof typeof IMPORT_CODES): TImportDiagnostic['severity'] {
  return IMPORT_CODE_SEVERITY[code];
}
