/**
 * The traffic behaviours of the SMI suites, written as Gateway API HTTPRoutes the GAMMA way
 * (gateway.networking.k8s.io/v1, `parentRefs` naming a Service: the route applies to requests
 * addressed to that Service from inside the mesh). Each step writes the manifests a user would
 * apply to a cluster, turns them into a pattern with the importer (server/import), deploys that
 * and checks the traffic. Access control is not part of GAMMA; these cover weights (100/0,
 * 0/100, 75/25, 25/75), header matches, path matches and request timeouts.
 */
import { importManifests } from '@/server/import';
import type { TCallResult, TProbe, TStepDef, TStepOutcome, TSuiteDef } from '../types';
import { callMany, checkSplit, describeCall, fail, Gate, gated, kindStep, pass, prerequisite, tally, workloadsAnswer } from './common';

export const GAMMA_SPEC = 'Gateway API v1 (GAMMA)';

/** The Services of the app: a (the client), svc (the Service routes attach to), b and c (backends). */
export const GAMMA_SERVICES = ['a', 'svc', 'b', 'c']
  .map(
    (name) => `apiVersion: v1
kind: Service
metadata:
  name: ${name}
  namespace: default
spec:
  selector:
    app: ${name}
  ports:
    - name: http
      port: 80
      targetPort: 8080
`,
  )
  .join('---\n');

/** An HTTPRoute attached to Service svc (GAMMA), with the given rules (YAML, indented as list items). */
export function gammaRoute(name: string, rules: string): string {
  return `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: ${name}
  namespace: default
spec:
  parentRefs:
    - group: ""
      kind: Service
      name: svc
      port: 80
  rules:
${rules}`;
}

export const weightedRoute = (b: number, c: number) =>
  gammaRoute(
    `svc-split-${b}-${c}`,
    `    - backendRefs:
        - name: b
          port: 80
          weight: ${b}
        - name: c
          port: 80
          weight: ${c}
`,
  );

export const HEADER_ROUTE = gammaRoute(
  'svc-header-match',
  `    - matches:
        - headers:
            - name: x-canary
              value: "true"
      backendRefs:
        - name: c
          port: 80
    - backendRefs:
        - name: b
          port: 80
`,
);

export const PATH_ROUTE = gammaRoute(
  'svc-path-match',
  `    - matches:
        - path:
            type: Exact
            value: /exact
      backendRefs:
        - name: c
          port: 80
    - matches:
        - path:
            type: PathPrefix
            value: /prefix
      backendRefs:
        - name: c
          port: 80
    - backendRefs:
        - name: b
          port: 80
`,
);

export const TIMEOUT_ROUTE = gammaRoute(
  'svc-timeout',
  `    - backendRefs:
        - name: b
          port: 80
      timeouts:
        request: 500ms
`,
);

/** The manifests as a pattern (the importer's output), or why there is none. */
export function importGamma(...manifests: string[]): { text: string; notes: string } | { error: string } {
  const r = importManifests([{ name: 'conformance-gamma.yaml', text: manifests.join('---\n') }]);
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  if (!r.text || errors.length) return { error: (errors.length ? errors : r.diagnostics).map((d) => `${d.code} ${d.message}`).join('; ') || 'the importer produced no pattern' };
  const notes = r.diagnostics.filter((d) => d.severity === 'warning').map((d) => `${d.code} ${d.message}`);
  return { text: r.text, notes: notes.length ? ` (importer: ${notes.join('; ')})` : '' };
}

/** Imports the manifests and deploys the pattern; a mapping error is the step's failure. */
async function deployGamma(ctx: Parameters<TStepDef['run']>[0], what: string, ...manifests: string[]): Promise<{ probe: TProbe; notes: string } | { failed: TStepOutcome }> {
  const imported = importGamma(...manifests);
  if ('error' in imported) return { failed: fail(`the importer turns ${what} into a pattern`, imported.error) };
  return { probe: await ctx.deploy(imported.text), notes: imported.notes };
}

/** A step that applies `route` and then checks the traffic with `check`. */
function routeStep(o: { name: string; assertion: string; route: string; what: string; check: (probe: TProbe) => Promise<TStepOutcome> }): TStepDef {
  return {
    name: o.name,
    assertion: o.assertion,
    async run(ctx) {
      const d = await deployGamma(ctx, o.what, GAMMA_SERVICES, o.route);
      if ('failed' in d) return d.failed;
      const outcome = await o.check(d.probe);
      return outcome.status === 'FAILED' ? { ...outcome, observed: outcome.observed + d.notes } : outcome;
    },
  };
}

interface TRouted {
  label: string;
  call: () => Promise<TCallResult[]>;
  expect: string;
}

/** Every call of each group is answered 200 by the expected backend. */
async function expectRouted(groups: TRouted[]): Promise<TStepOutcome> {
  const seen: string[] = [];
  let ok = true;
  for (const g of groups) {
    const results = await g.call();
    if (!results.every((r) => r.status === 200 && r.service === g.expect)) ok = false;
    seen.push(`${g.label}: ${tally(results)}`);
  }
  const expected = groups.map((g) => `${g.label}: 200 from ${g.expect}`).join('; ');
  return ok ? pass(seen.join('; ')) : fail(expected, seen.join('; '));
}

export function gammaSuite(): TSuiteDef {
  const gate = new Gate();
  const weights = (b: number, c: number, name: string): TStepDef =>
    gated(
      gate,
      routeStep({
        name,
        assertion: `an HTTPRoute on Service svc with backendRefs b (weight ${b}) and c (weight ${c}): requests from a to svc reach b with a share matching ${b}% (binomial test, false-failure chance < 1e-6)`,
        route: weightedRoute(b, c),
        what: `the ${b}/${c} HTTPRoute`,
        check: (probe) => checkSplit(probe, { from: 'a', to: 'svc', backends: ['b', 'c'], weights: [b, c] }),
      }),
    );
  const steps: TStepDef[] = [
    kindStep({
      kind: 'HTTPRoute',
      features: ['traffic-split', 'cross-service-routing', 'header-match', 'path-match', 'request-timeout'],
      app: () => {
        const r = importGamma(GAMMA_SERVICES, weightedRoute(50, 50));
        return 'text' in r ? r.text : '';
      },
      gate,
    }),
    gated(
      gate,
      prerequisite(gate, 'the sample app is not deployed (step 2 did not pass)', {
        name: 'the sample app is deployed',
        assertion: 'the Services a, svc, b and c, imported from their manifests, run',
        async run(ctx) {
          const d = await deployGamma(ctx, 'the Service manifests', GAMMA_SERVICES);
          return 'failed' in d ? d.failed : workloadsAnswer(d.probe, ['a', 'svc', 'b', 'c']);
        },
      }),
    ),
    weights(100, 0, 'weights 100/0 → b gets all'),
    weights(0, 100, 'weights 0/100 → c gets all'),
    weights(75, 25, 'weights 75/25 → the share matches'),
    weights(25, 75, 'weights 25/75 → the share matches'),
    gated(
      gate,
      routeStep({
        name: 'header match',
        assertion: 'an HTTPRoute rule matching header x-canary: "true" sends those requests to c; the rest (other values, no header) go to b',
        route: HEADER_ROUTE,
        what: 'the header-match HTTPRoute',
        check: (probe) =>
          expectRouted([
            { label: 'x-canary: true', expect: 'c', call: () => callMany(probe, null, 'svc', 10, { headers: { 'x-canary': 'true' } }) },
            { label: 'x-canary: false', expect: 'b', call: () => callMany(probe, null, 'svc', 5, { headers: { 'x-canary': 'false' } }) },
            { label: 'no header', expect: 'b', call: () => callMany(probe, null, 'svc', 10) },
          ]),
      }),
    ),
    gated(
      gate,
      routeStep({
        name: 'path match',
        assertion: 'Exact /exact and PathPrefix /prefix go to c, anything else to b: from a, /exact and /prefix, /prefix/x reach c; /exact/x, /other and / reach b',
        route: PATH_ROUTE,
        what: 'the path-match HTTPRoute',
        check: (probe) =>
          expectRouted(
            (
              [
                ['/exact', 'c'],
                ['/prefix', 'c'],
                ['/prefix/x', 'c'],
                ['/exact/x', 'b'],
                ['/other', 'b'],
                ['/', 'b'],
              ] as const
            ).map(([path, expect]) => ({ label: path, expect, call: () => callMany(probe, 'a', 'svc', 3, { path }) })),
          ),
      }),
    ),
    gated(
      gate,
      routeStep({
        // Gateway API: "PathPrefix … is done on a path element by element basis … the paths /abc,
        // /abc/ and /abc/def would all match the prefix /abc, but the path /abcd would not".
        name: 'PathPrefix matches whole path segments',
        assertion: 'PathPrefix /prefix matches element by element: from a, /prefix/ reaches c, but /prefixed and /prefix-x reach b',
        route: PATH_ROUTE,
        what: 'the path-match HTTPRoute',
        check: (probe) =>
          expectRouted(
            (
              [
                ['/prefix/', 'c'],
                ['/prefixed', 'b'],
                ['/prefix-x', 'b'],
              ] as const
            ).map(([path, expect]) => ({ label: path, expect, call: () => callMany(probe, 'a', 'svc', 3, { path }) })),
          ),
      }),
    ),
    gated(
      gate,
      routeStep({
        name: 'request timeout',
        assertion: 'an HTTPRoute rule with timeouts.request 500ms: a request whose backend takes 3 s is answered 504 by the mesh before the backend answers; a fast one 200 from b',
        route: TIMEOUT_ROUTE,
        what: 'the timeout HTTPRoute',
        async check(probe) {
          const fast = await probe.call(null, 'svc');
          const slow = await probe.call(null, 'svc', { headers: { 'x-meshloom-latency': '3000' } });
          const observed = `fast: ${describeCall(fast)}; slow: ${describeCall(slow)} after ${Math.round(slow.ms)} ms`;
          const ok = fast.status === 200 && fast.service === 'b' && slow.status === 504 && !slow.service && slow.ms < 3000;
          return ok ? pass(observed) : fail('fast: 200 from b; slow: 504 from the mesh in less than 3000 ms (the timeout is 500 ms)', observed);
        },
      }),
    ),
  ];
  return { id: 'gamma', title: 'Gateway API (GAMMA) HTTPRoute', specVersion: GAMMA_SPEC, steps };
}
