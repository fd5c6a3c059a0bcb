/** What the SMI renderers share: pattern lookups, the output and diagnostics. */
import { MeshContext } from '../shared/mesh-context';

export { routeName } from '../shared/pattern-index';
/** SMI regexes (HTTPRouteGroup pathRegex and header values) are RE2-style. */
export { escapeRegex } from '../shared/text';

export const SPLIT_API = 'split.smi-spec.io/v1alpha4';
export const SPECS_API = 'specs.smi-spec.io/v1alpha4';
export const ACCESS_API = 'access.smi-spec.io/v1alpha3';

export class SmiContext extends MeshContext {
  readonly routes = this.index.routes;

  kindOf(name: string): 'service' | 'gateway' | 'external' | 'none' {
    return this.services.has(name) ? 'service' : this.gateways.has(name) ? 'gateway' : this.externals.has(name) ? 'external' : 'none';
  }
}
