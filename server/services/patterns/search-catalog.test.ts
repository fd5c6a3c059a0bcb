import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '@/server/db/testing';
import { createPattern } from './create-pattern';
import { searchCatalog } from './search-catalog';
import { createUser } from './testing';

function pattern(name: string, title: string, category: string, tags: string[], spec: string, description = '') {
  return `apiVersion: meshloom.dev/v1alpha1
kind: Pattern
metadata:
  name: ${name}
  title: ${title}
  category: ${category}
  tags: [${tags.join(', ')}]
  summary: About ${title}.
  description: ${JSON.stringify(description)}
spec:
${spec}`;
}

describeEachDatabase('searchCatalog', (get) => {
  beforeAll(async () => {
    const { db } = get();
    const owner = await createUser(db, 'editor');
    const add = (text: string, visibility: 'public' | 'private' = 'public') => createPattern({ db, actor: owner, text, visibility });
    await add(pattern('cb', 'Circuit breaker', 'resiliency', ['circuit-breaker', 'outlier'], '  services: [{name: a}]\n  policies: [{kind: CircuitBreaker, target: a}]\n', 'Eject failing endpoints.'));
    await add(pattern('chaos', 'Chaos with faults', 'resiliency', ['chaos', 'testing'], '  services: [{name: a}]\n  policies: [{kind: FaultInjection, target: a, abort: {httpStatus: 503, percentage: 10}}]\n'));
    await add(pattern('split', 'Canary split', 'traffic-management', ['canary', 'testing'], '  services: [{name: a, versions: [v1, v2]}]\n  routes: [{service: a, rules: [{backends: [{version: v1, weight: 90}, {version: v2, weight: 10}]}]}]\n', 'A breaker is not used here.'));
    await add(pattern('secret', 'Secret breaker', 'resiliency', ['circuit-breaker'], '  services: [{name: a}]\n'), 'private');
  });

  it('lists what a signed-out visitor may browse, by title', async () => {
    const r = await searchCatalog({ db: get().db, actor: null });
    expect(r.entries.map((e) => e.name)).toEqual(['split', 'chaos', 'cb']);
    expect(r.total).toBe(3);
    expect(r.sort).toBe('title');
  });

  it('searches every word across title, tags and description, title matches first', async () => {
    const r = await searchCatalog({ db: get().db, actor: null, q: 'BREAKER' });
    expect(r.entries.map((e) => e.name)).toEqual(['cb', 'split']);
    expect(r.sort).toBe('relevance');
    expect((await searchCatalog({ db: get().db, actor: null, q: 'breaker canary' })).entries.map((e) => e.name)).toEqual(['split']);
    expect((await searchCatalog({ db: get().db, actor: null, q: 'nothing-like-this' })).entries).toEqual([]);
  });

  it('combines facets (OR within one, AND across) and counts each with the others applied', async () => {
    const r = await searchCatalog({ db: get().db, actor: null, categories: ['resiliency'], tags: ['testing'] });
    expect(r.entries.map((e) => e.name)).toEqual(['chaos']);
    expect(r.facets.categories).toEqual([
      { value: 'resiliency', count: 1 },
      { value: 'traffic-management', count: 1 },
    ]);
    expect(r.facets.tags.find((t) => t.value === 'circuit-breaker')?.count).toBe(1);
  });

  it('filters by mesh compatibility computed from the features used', async () => {
    const r = await searchCatalog({ db: get().db, actor: null, meshes: ['linkerd'] });
    // Linkerd has no fault injection: the chaos pattern is not compatible.
    expect(r.entries.map((e) => e.name).sort()).toEqual(['cb', 'split']);
    const chaos = (await searchCatalog({ db: get().db, actor: null, q: 'chaos' })).entries[0]!;
    expect(chaos.features).toEqual(['fault-abort']);
    expect(chaos.compatibility.find((c) => c.mesh === 'istio')?.level).toBe('full');
    // Kuma injects faults on the receiving workload (a rule-level fault covers the whole service): partial.
    expect(chaos.compatibility.find((c) => c.mesh === 'kuma')?.level).toBe('partial');
    expect(r.facets.meshes.find((m) => m.value === 'istio')?.count).toBe(3);
  });
});
