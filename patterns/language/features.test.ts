import { describe, expect, it } from 'vitest';
import { featuresOf } from './features';
import { parsePattern } from './parse';

const HEAD = 'apiVersion: meshloom.dev/v1alpha1\nkind: Pattern\nmetadata: {name: t, title: T, category: resiliency}\n';

function features(spec: string) {
  const r = parsePattern(`${HEAD}spec:\n${spec}`);
  if (!r.pattern) throw new Error(JSON.stringify(r.diagnostics));
  return featuresOf(r.pattern);
}

describe('featuresOf', () => {
  it('is empty for services alone', () => {
    expect(features('  services: [{name: a}]\n')).toEqual([]);
  });

  it('reads routes: split, matches, timeouts, retries, faults, mirroring', () => {
    const f = features(`  services: [{name: a, versions: [v1, v2]}, {name: b}]
  routes:
    - service: a
      rules:
        - match: {headers: {x: y}, path: /api, method: GET}
          backends: [{version: v2}]
          fault: {abort: {httpStatus: 503, percentage: 5}}
        - backends: [{version: v1, weight: 90}, {version: v2, weight: 10}]
          timeout: 2s
          retries: {attempts: 3, perTryTimeout: 500ms}
          mirror: {service: b}
`);
    expect(f).toEqual(['traffic-split', 'header-match', 'path-match', 'method-match', 'request-timeout', 'retries', 'per-try-timeout', 'fault-abort', 'mirroring']);
  });

  it('reads policies, telling local from global rate limits and source from request authorization', () => {
    const f = features(`  services: [{name: a}]
  policies:
    - {kind: RateLimit, target: a, requests: 10, scope: global}
    - {kind: Authorization, target: a, rules: [{from: {services: [b]}}]}
    - {kind: MutualTLS, mode: disabled}
    - {kind: HealthCheck, target: a, passive: {}}
`);
    expect(f).toEqual(['rate-limit-global', 'health-check-passive', 'authorization-source']);
  });
});
