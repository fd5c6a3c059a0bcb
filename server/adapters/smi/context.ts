/** What the SMI renderers share: pattern lookups, the output and diagnostics. */
import type { TFeature } from '@/patterns/language/features';
import type { TExternalService, TGateway, TPattern, TRoute, TService } from '@/patterns/language/schema';
import { PatternIndex } from '../shared/pattern-index';
import type { TAdapterDiagnostic, TManifest } from '../types';

export const SPLIT_API = 'split.smi-spec.io/v1alpha4';
export const SPECS_API = 'specs.smi-spec.io/v1alpha4';
export const ACCESS_API = 'access.smi-spec.io/v1alpha3';

export class SmiContext {
  readonly manifests: TManifest[] = [];
  readonly diagnostics: TAdapterDiagnostic[] = [];
  readonly services = new Map<string, TService>();
  readonly gateways = new Map<string, TGateway>();
  readonly externals = new Map<string, TExternalService>();
  readonly routes = new Map<string, TRoute>();
  /** Policies by kind and attachment: built once per render. */
  readonly index: PatternIndex;

  constructor(readonly pattern: TPattern) {
    this.index = new PatternIndex(pattern);
    for (const s of pattern.spec.services) this.services.set(s.name, s);
    for (const g of pattern.spec.gateways) this.gateways.set(g.name, g);
    for (const e of pattern.spec.externalServices) this.externals.set(e.name, e);
    for (const r of pattern.spec.routes) this.routes.set(routeName(r), r);
  }

  get patternName(): string {
    return this.pattern.metadata.name;
  }

  push(...ms: TManifest[]): void {
    this.manifests.push(...ms);
  }

  approx(message: string, path: (string | number)[], severity: 'warning' | 'info' = 'warning', feature?: TFeature): void {
    this.diagnostics.push({ code: 'ML4006', severity, message, path, ...(feature ? { feature } : {}) });
  }

  kindOf(name: string): 'service' | 'gateway' | 'external' | 'none' {
    return this.services.has(name) ? 'service' : this.gateways.has(name) ? 'gateway' : this.externals.has(name) ? 'external' : 'none';
  }
}

export function routeName(r: TRoute): string {
  return r.name ?? (r.gateway ? `${r.service}-${r.gateway}` : r.service);
}

/** SMI regexes (HTTPRouteGroup pathRegex and header values) are RE2-style. */
export function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
