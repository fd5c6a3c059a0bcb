/**
 * The adapter contract. An adapter turns a mesh-agnostic pattern into one mesh's own resources.
 * Adapters are pure: no database, no network, no clock, no randomness — the same pattern always
 * renders the same manifests, in the same order.
 */
import type { TFeature } from '@/patterns/language/features';
import type { TMeshId, TPattern } from '@/patterns/language/schema';
import type { TCapabilities } from './capability';

/** A Kubernetes object (or, for the HAProxy sandbox, a ConfigMap-shaped object holding config). */
export interface TManifest {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** A note about the rendering: what a mesh cannot express, how it approximates, what it merged. */
export interface TAdapterDiagnostic {
  /** ML4xxx: see ADAPTER_DIAGNOSTIC_CODES. */
  code: string;
  severity: 'error' | 'warning' | 'info';
  message: string;
  /** The pattern feature concerned, when there is one. */
  feature?: TFeature;
  /** JSON path into the pattern, e.g. ['spec', 'policies', 2]. */
  path?: (string | number)[];
}

export interface TRenderOptions {
  /** Also render the Kubernetes Services and Deployments of the pattern's sample workloads (default true). */
  workloads?: boolean;
}

export interface TRenderResult {
  /**
   * In apply order. Objects that do not depend on the mesh (the sample workloads) are built once
   * per pattern and shared between renders (deep-frozen under test): copy an object before changing it.
   */
  manifests: TManifest[];
  diagnostics: TAdapterDiagnostic[];
}

/** What each adapter implements; the registry (registry.ts) holds one per mesh id. */
export interface TMeshAdapter {
  id: TMeshId;
  title: string;
  /** The mesh release whose APIs the output targets, e.g. "Istio 1.30". */
  targets: string;
  /** One declaration per pattern feature: full, partial (with a note) or none (with a note). */
  capabilities: TCapabilities;
  /**
   * The mesh's own objects for `pattern` (already resolved: parameters substituted, includes
   * merged). Workloads, overrides, common labels and capability diagnostics are added by
   * `renderPattern`; an adapter adds diagnostics only for what it alone knows (e.g. an
   * approximation in one place).
   */
  render(pattern: TPattern): TRenderResult;
  /** Labels/annotations this mesh needs on namespaces and pods of the sample workloads (sidecar injection). */
  workloadDecorations?: {
    namespace?: { labels?: Record<string, string>; annotations?: Record<string, string> };
    pod?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  };
}

export const ADAPTER_DIAGNOSTIC_CODES = {
  ML4001: 'feature not supported by this mesh',
  ML4002: 'feature only partly supported by this mesh',
  ML4003: 'override merged into a rendered object',
  ML4004: 'override added as a new object',
  ML4005: 'unknown mesh',
  ML4006: 'value approximated for this mesh',
  ML4007: 'invalid override',
} as const;
export type TAdapterDiagnosticCode = keyof typeof ADAPTER_DIAGNOSTIC_CODES;
