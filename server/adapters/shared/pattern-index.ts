/**
 * Lookups over one pattern, each built once (in one pass) the first time it is asked for, so
 * renderers that ask "which policies of this kind", "who calls this service" or "which services
 * live in this namespace" once per service or per policy stay linear in the size of the pattern.
 *
 * An index belongs to one render: the pattern must not change while it is used. Every list keeps
 * the pattern's order; the lists are shared between calls, so callers must not modify them.
 */
import type { TExternalService, TGateway, TPattern, TPolicy, TRoute, TService } from '@/patterns/language/schema';

export type TPolicyOf<K extends TPolicy['kind']> = Extract<TPolicy, { kind: K }>;

/** A path into the pattern document (`['spec', 'policies', 3]`), as diagnostics carry it. */
export type TPath = (string | number)[];

/** A policy with its position in spec.policies and its document path (see PatternIndex.policyEntries). */
export interface TIndexedPolicy<P extends TPolicy = TPolicy> {
  policy: P;
  index: number;
  path: TPath;
}

/** A route with its position in spec.routes. */
export interface TRouteEntry {
  route: TRoute;
  index: number;
}

/** What a name of the pattern refers to: a service, a gateway, an external service, or nothing known. */
export type TResolved =
  | { type: 'service'; service: TService }
  | { type: 'gateway'; gateway: TGateway }
  | { type: 'external'; external: TExternalService }
  | { type: 'none' };

/** The name a route is referred to by (policies' `route:`): explicit, or `<service>[-<gateway>]`. */
export function routeName(route: TRoute): string {
  return route.name ?? (route.gateway ? `${route.service}-${route.gateway}` : route.service);
}

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
  private entries?: Map<TPolicy['kind'], TIndexedPolicy[]>;
  private byName?: {
    services: Map<string, TService>;
    gateways: Map<string, TGateway>;
    externals: Map<string, TExternalService>;
    routes: Map<string, TRoute>;
  };
  private routesByName?: Map<string, TRouteEntry>;

  constructor(readonly pattern: TPattern) {}

  private names(): NonNullable<PatternIndex['byName']> {
    if (!this.byName) {
      const { spec } = this.pattern;
      // Map semantics on purpose: a repeated name keeps its first position and its last value.
      this.byName = {
        services: new Map(spec.services.map((s) => [s.name, s])),
        gateways: new Map(spec.gateways.map((g) => [g.name, g])),
        externals: new Map(spec.externalServices.map((e) => [e.name, e])),
        routes: new Map(spec.routes.map((r) => [routeName(r), r])),
      };
    }
    return this.byName;
  }

  /** Services by name (the last one of a repeated name). */
  get services(): ReadonlyMap<string, TService> {
    return this.names().services;
  }

  /** Gateways by name (the last one of a repeated name). */
  get gateways(): ReadonlyMap<string, TGateway> {
    return this.names().gateways;
  }

  /** External services by name (the last one of a repeated name). */
  get externals(): ReadonlyMap<string, TExternalService> {
    return this.names().externals;
  }

  /** Routes by routeName (the last one of a repeated name, at the first one's position). */
  get routes(): ReadonlyMap<string, TRoute> {
    return this.names().routes;
  }

  /** Like `routes`, each with its position in spec.routes. */
  get routeEntries(): ReadonlyMap<string, TRouteEntry> {
    if (!this.routesByName) {
      this.routesByName = new Map();
      this.pattern.spec.routes.forEach((route, index) => this.routesByName!.set(routeName(route), { route, index }));
    }
    return this.routesByName;
  }

  /** What `name` refers to: a service first, then a gateway, then an external service. */
  resolve(name: string | undefined): TResolved {
    if (!name) return { type: 'none' };
    const { services, gateways, externals } = this.names();
    const service = services.get(name);
    if (service) return { type: 'service', service };
    const gateway = gateways.get(name);
    if (gateway) return { type: 'gateway', gateway };
    const external = externals.get(name);
    if (external) return { type: 'external', external };
    return { type: 'none' };
  }

  /**
   * The service name a policy's `target` or `route` points at, and the route when it is
   * route-attached (`route` wins; the route may be a gateway route, or unknown).
   */
  policyTarget(p: TPolicy): { name?: string; route?: TRoute } {
    if (p.route) {
      const route = this.routes.get(p.route);
      return { name: route?.service, route };
    }
    return { name: p.target };
  }

  /** The policies of one kind with their position and document path, in pattern order. */
  policyEntries<K extends TPolicy['kind']>(kind: K): readonly TIndexedPolicy<TPolicyOf<K>>[] {
    if (!this.entries) {
      this.entries = new Map();
      this.pattern.spec.policies.forEach((policy, index) => push(this.entries!, policy.kind, { policy, index, path: ['spec', 'policies', index] }));
    }
    return (this.entries.get(kind) ?? NONE) as readonly TIndexedPolicy<TPolicyOf<K>>[];
  }

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
