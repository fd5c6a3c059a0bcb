/**
 * A valid pattern of any size, for tests and benchmarks: `services` services with two
 * versions each, each calling the next; `routes` weighted routes (default: one per service;
 * more than `services` adds header-matched routes named per rule); a circuit breaker each.
 */
export function generatePattern(services: number, opts: { routes?: number } = {}): string {
  const routes = opts.routes ?? services;
  const lines = [
    'apiVersion: meshloom.dev/v1alpha1',
    'kind: Pattern',
    'metadata:',
    `  name: generated-${services}`,
    `  title: Generated pattern with ${services} services`,
    '  category: performance',
    'spec:',
    '  services:',
  ];
  for (let i = 0; i < services; i++) {
    lines.push(`    - name: svc-${i}`, '      namespace: bench', '      ports: [8080]', '      versions: [v1, v2]', `      calls: [svc-${(i + 1) % services}]`);
  }
  lines.push('  routes:');
  for (let r = 0; r < routes; r++) {
    const i = r % services;
    if (r < services) {
      lines.push(`    - service: svc-${i}`, '      rules:', '        - backends: [{version: v1, weight: 90}, {version: v2, weight: 10}]', '          timeout: 2s');
    } else {
      lines.push(`    - name: svc-${i}-extra-${r}`, `      service: svc-${i}`, '      rules:', `        - match: {headers: {x-route: r${r}}}`, '          backends: [{version: v2}]');
    }
  }
  lines.push('  policies:');
  for (let i = 0; i < services; i++) lines.push(`    - {kind: CircuitBreaker, target: svc-${i}, consecutiveErrors: 5}`);
  return `${lines.join('\n')}\n`;
}
