/**
 * API discovery: which kinds the API server serves, under which plural, in which scope
 * (`/api`, `/api/v1`, `/apis`, `/apis/<group>/<version>`). One Discovery per operation: each
 * group version is fetched at most once, and only those the operation needs.
 */
import type { KubeClient } from './client';
import { splitApiVersion } from './objects';

export interface TResource {
  group: string;
  version: string;
  apiVersion: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

interface TGroupInfo {
  versions: string[];
  preferred: string;
}

interface TApiResource {
  name: string;
  kind: string;
  namespaced: boolean;
}

export class Discovery {
  private groupsP?: Promise<Map<string, TGroupInfo>>;
  private readonly lists = new Map<string, Promise<Map<string, TResource>>>();

  constructor(
    private readonly client: KubeClient,
    private readonly signal?: AbortSignal,
  ) {}

  /** Groups and their served versions (the core group is ''). Throws a KubeError when the server cannot be asked. */
  groups(): Promise<Map<string, TGroupInfo>> {
    this.groupsP ??= (async () => {
      const [core, apis] = await Promise.all([this.get('/api', false), this.get('/apis', false)]);
      const out = new Map<string, TGroupInfo>();
      const coreVersions = (core?.versions as string[] | undefined) ?? [];
      if (coreVersions.length) out.set('', { versions: coreVersions, preferred: coreVersions.includes('v1') ? 'v1' : coreVersions[0]! });
      for (const g of (apis?.groups as { name: string; versions: { version: string }[]; preferredVersion?: { version: string } }[] | undefined) ?? []) {
        const versions = g.versions.map((v) => v.version);
        out.set(g.name, { versions, preferred: g.preferredVersion?.version ?? versions[0]! });
      }
      return out;
    })();
    return this.groupsP;
  }

  /** The resource serving `kind` in exactly `apiVersion`, or null when the server does not serve it. */
  async resource(apiVersion: string, kind: string): Promise<TResource | null> {
    const { group, version } = splitApiVersion(apiVersion);
    const info = (await this.groups()).get(group);
    if (!info || !info.versions.includes(version)) return null;
    return (await this.resources(group, version)).get(kind) ?? null;
  }

  /** Every served version of a group's kind, the group's preferred version first. */
  async versionsOf(group: string, kind: string): Promise<TResource[]> {
    const info = (await this.groups()).get(group);
    if (!info) return [];
    const order = [info.preferred, ...info.versions.filter((v) => v !== info.preferred)];
    const found = await Promise.all(order.map(async (v) => (await this.resources(group, v)).get(kind) ?? null));
    return found.filter((r): r is TResource => r !== null);
  }

  /** The resource to list a group's kind with (the preferred served version), or null. */
  async forGroupKind(group: string, kind: string): Promise<TResource | null> {
    const info = (await this.groups()).get(group);
    if (!info) return null;
    const preferred = (await this.resources(group, info.preferred)).get(kind);
    if (preferred) return preferred;
    return (await this.versionsOf(group, kind))[0] ?? null;
  }

  private resources(group: string, version: string): Promise<Map<string, TResource>> {
    const gv = group ? `${group}/${version}` : version;
    let p = this.lists.get(gv);
    if (!p) {
      p = (async () => {
        const list = await this.get(group ? `/apis/${group}/${version}` : `/api/${version}`, true);
        const out = new Map<string, TResource>();
        for (const r of (list?.resources as TApiResource[] | undefined) ?? []) {
          if (r.name.includes('/')) continue; // subresources (deployments/status, …)
          if (!out.has(r.kind)) out.set(r.kind, { group, version, apiVersion: gv, kind: r.kind, plural: r.name, namespaced: r.namespaced });
        }
        return out;
      })();
      this.lists.set(gv, p);
    }
    return p;
  }

  /** A discovery document; null on 404 (and, for a group version, 503: an aggregated API that is down). */
  private async get(path: string, groupVersion: boolean): Promise<Record<string, unknown> | null> {
    const res = await this.client.request({ method: 'GET', path, signal: this.signal });
    if (res.status === 404 || (groupVersion && res.status === 503)) return null;
    if (res.status >= 300) throw this.client.statusError(res, `reading the API discovery (${path})`);
    return res.body && typeof res.body === 'object' ? (res.body as Record<string, unknown>) : null;
  }
}

/** The API path of a resource (a collection when `name` is absent; all namespaces when `namespace` is absent). */
export function resourcePath(r: TResource, namespace?: string, name?: string): string {
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const ns = r.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${r.plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
}
