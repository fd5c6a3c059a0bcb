import { stringify } from 'yaml';
import type { TManifest } from '../types';

/**
 * Manifests as one multi-document YAML text, the way every output (CLI, API, tests) writes
 * them: no line folding, and no YAML anchors — an object referenced twice is written twice,
 * so adapters may share sub-objects without copying them.
 */
export function manifestsToYaml(manifests: readonly TManifest[]): string {
  return manifests.map((m) => stringify(m, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
}
