/**
 * Lookups over one pattern, each built once (in one pass) the first time it is asked for, so
 * renderers that ask "which policies of this kind", "who calls this service" or "which services
 * live in this namespace" once per service or per policy stay linear in the size of the pattern.
 *
 * An index belongs to one render: the pattern must not change while it is used. Every list keeps
 * the pattern's order; the lists are shared between calls, so callers must not modify them.
 */
import type { TPattern, TPolicy, TRoute, TService } from '@/patterns/language/schema';

export type TPolicyOf<K extends TPolicy['kind']> = Extract<TPolicy, { kind: K }>;

/** A policy with its position in spec.policies. */
export interface TPolicyAt<P extends TPolicy = TPolicy> {
  p: P;
  i: number;
}

/** Policies of one kind by what they attach to (see PatternIndex.attached). */
export interface TAttachedPolicies<P extends TPolicy = TPolicy> {
  /** Attached to a service: by `target`, or by a `route` (not a gateway route) of that service. */
  byService: Map<string, TPolicyAt<P>[]>;
  /** Namespace-wide (`namespace` without `target`/`route`). */
  byNamespace: Map<string, TPolicyAt<P>[]>;
  /** Mesh-wide (no `target`, `route` or `namespace`). */
  meshWide: TPolicyAt<P>[];
}

const NONE: readonly never[] = Object.freeze([]);

export class PatternIndex {
  private kinds?: Map<TPolicy['kind'], TPolicyAt[]>;
  private readonly first = new Map<string, Map<string, TPolicyAt>>();
  private readonly attachments = new Map<TPolicy['kind'], TAttachedPolicies>();
  private callers?: Map<string, TService[]>;
  private namespaces?: Map<string, TService[]>;
  private meshRoutes?: Map<string, TRoute[]>;
  private routePositions?: Map<TRoute, number>;

  constructor(readonly pattern: TPattern) {}

  /** The policies of one kind, in pattern order. */
  policiesOf<K extends TPolicy['kind']>(kind: K): readonly TPolicyAt<TPolicyOf<K>>[] {
    if (!this.kinds) {
      this.kinds = new Map();
      this.pattern.spec.policies.forEach((p, i) => {
        const list = this.kinds!.get(p.kind);
        if (list) list.push({ p, i });
        else this.kinds!.set(p.kind, [{ p, i }]);
      });
    }
    return (this.kinds.get(kind) ?? NONE) as readonly TPolicyAt<TPolicyOf<K>>[];
  }

  /** The first policy of `kind` whose `field` (target or route) is `key`. */
  firstPolicy<K extends TPolicy['kind']>(kind: K, field: 'target' | 'route', key: string): TPolicyAt<TPolicyOf<K>> | undefined {
    const cacheKey = `${kind}\u0000${field}`;
    let map = this.first.get(cacheKey);
    if (!map) {
      map = new Map();
      for (const at of this.policiesOf(kind)) {
        const value = (at.p as { target?: string; route?: string })[field];
        if (value !== undefined && !map.has(value)) map.set(value, at);
      }
      this.first.set(cacheKey, map);
    }
    return map.get(key) as TPolicyAt<TPolicyOf<K>> | undefined;
  }

  /**
   * The policies of `kind` grouped by attachment: `target` wins over `route`, which wins over
   * `namespace`. `routeOf` resolves a route name the way the adapter does.
   */
  attached<K extends TPolicy['kind']>(kind: K, routeOf: (name: string) => TRoute | undefined): TAttachedPolicies<TPolicyOf<K>> {
    let a = this.attachments.get(kind);
    if (!a) {
      a = { byService: new Map(), byNamespace: new Map(), meshWide: [] };
      for (const at of this.policiesOf(kind)) {
        const p = at.p as { target?: string; route?: string; namespace?: string };
        if (p.target) push(a.byService, p.target, at);
        else if (p.route) {
          const r = routeOf(p.route);
          if (r && !r.gateway) push(a.byService, r.service, at);
        } else if (p.namespace) push(a.byNamespace, p.namespace, at);
        else a.meshWide.push(at);
      }
      this.attachments.set(kind, a);
    }
    return a as unknown as TAttachedPolicies<TPolicyOf<K>>;
  }

  /** Services that declare a call to `target`, in pattern order. */
  callersOf(target: string): readonly TService[] {
    if (!this.callers) {
      this.callers = new Map();
      for (const s of this.pattern.spec.services) {
        if (s.calls.length === 1) push(this.callers, s.calls[0]!, s);
        else for (const c of new Set(s.calls)) push(this.callers, c, s);
      }
    }
    return this.callers.get(target) ?? NONE;
  }

  /** Services of one namespace, in pattern order. */
  servicesIn(namespace: string): readonly TService[] {
    if (!this.namespaces) {
      this.namespaces = new Map();
      for (const s of this.pattern.spec.services) push(this.namespaces, s.namespace, s);
    }
    return this.namespaces.get(namespace) ?? NONE;
  }

  /** Routes of a service that are not attached to a gateway, in pattern order. */
  meshRoutesOf(service: string): readonly TRoute[] {
    if (!this.meshRoutes) {
      this.meshRoutes = new Map();
      for (const r of this.pattern.spec.routes) if (!r.gateway) push(this.meshRoutes, r.service, r);
    }
    return this.meshRoutes.get(service) ?? NONE;
  }

  /** Position of a route object in spec.routes (-1 when it is not one of them). */
  routeIndex(route: TRoute): number {
    if (!this.routePositions) {
      this.routePositions = new Map();
      this.pattern.spec.routes.forEach((r, i) => {
        if (!this.routePositions!.has(r)) this.routePositions!.set(r, i);
      });
    }
    return this.routePositions.get(route) ?? -1;
  }
}

/** The policies of an attachment map that apply to one service, in pattern order. */
export function applyingTo<P extends TPolicy>(a: TAttachedPolicies<P>, s: TService): TPolicyAt<P>[] {
  const own = a.byService.get(s.name) ?? NONE;
  const ns = a.byNamespace.get(s.namespace) ?? NONE;
  const all = a.meshWide;
  if (ns.length === 0 && all.length === 0) return [...own];
  if (own.length === 0 && all.length === 0) return [...ns];
  if (own.length === 0 && ns.length === 0) return [...all];
  return [...own, ...ns, ...all].sort((x, y) => x.i - y.i);
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
