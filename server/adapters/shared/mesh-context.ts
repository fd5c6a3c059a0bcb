/**
 * The state every mesh adapter's render context starts from: the pattern, its PatternIndex (and
 * the name lookups it builds), the manifests being rendered and the diagnostics. Adapters extend
 * it with their own conventions; one context belongs to one render.
 */
import type { TFeature } from '@/patterns/language/features';
import type { TExternalService, TGateway, TPattern, TService } from '@/patterns/language/schema';
import type { TAdapterDiagnostic, TManifest } from '../types';
import { PatternIndex, type TPath, type TResolved } from './pattern-index';

export class MeshContext {
  /** Objects rendered so far, in output order (for adapters that collect into the context). */
  readonly manifests: TManifest[] = [];
  readonly diagnostics: TAdapterDiagnostic[] = [];
  /** Policies by kind and attachment, callers, routes per service, names: built once per render. */
  readonly index: PatternIndex;
  /** Services by name (shared with the index: do not modify). */
  readonly services: ReadonlyMap<string, TService>;
  /** Gateways by name (shared with the index: do not modify). */
  readonly gateways: ReadonlyMap<string, TGateway>;
  /** External services by name (shared with the index: do not modify). */
  readonly externals: ReadonlyMap<string, TExternalService>;

  constructor(readonly pattern: TPattern) {
    this.index = new PatternIndex(pattern);
    this.services = this.index.services;
    this.gateways = this.index.gateways;
    this.externals = this.index.externals;
  }

  /** The pattern's `metadata.name`. */
  get patternName(): string {
    return this.pattern.metadata.name;
  }

  /** Appends rendered objects to `manifests`. */
  push(...ms: TManifest[]): void {
    this.manifests.push(...ms);
  }

  /** Reports an approximation (ML4006): something the mesh cannot express exactly, or at all. */
  approx(message: string, path: TPath, severity: TAdapterDiagnostic['severity'] = 'warning', feature?: TFeature): void {
    this.diagnostics.push({ code: 'ML4006', severity, message, path, ...(feature ? { feature } : {}) });
  }

  /** Reports an approximation (ML4006) as a warning. */
  warn(path: TPath, message: string, feature?: TFeature): void {
    this.approx(message, path, 'warning', feature);
  }

  /** Reports an approximation (ML4006) as information. */
  info(path: TPath, message: string, feature?: TFeature): void {
    this.approx(message, path, 'info', feature);
  }

  /** What a name refers to: a service first, then a gateway, then an external service. */
  resolve(name: string | undefined): TResolved {
    return this.index.resolve(name);
  }
}
