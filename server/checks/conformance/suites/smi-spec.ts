/**
 * SMI traffic specs (HTTPRouteGroup, specs.smi-spec.io/v1alpha4) bound by a TrafficTarget,
 * after the SMI conformance suite's traffic-spec test: access from a to b is allowed for the
 * routes of an HTTPRouteGroup only. In pattern terms: an Authorization on b whose rule allows
 * source a to the group's paths and methods, under the mesh-wide allow-nothing default.
 */
import type { TCallResult, TProbe, TStepDef, TStepOutcome, TSuiteDef } from '../types';
import { deniedByMesh, deployStep, describeCall, fail, Gate, gated, kindStep, pass, patternText, prerequisite, workloadsAnswer } from './common';

export const SMI_SPEC_SPEC = 'SMI traffic specs v1alpha4';

type TRoute = { paths: string[]; methods?: string[] };

function app(route?: TRoute): string {
  return patternText('conformance-smi-spec', 'SMI traffic spec conformance', {
    services: [{ name: 'a', calls: ['b'] }, { name: 'b' }],
    policies: [{ kind: 'Authorization' }, ...(route ? [{ kind: 'Authorization', target: 'b', rules: [{ from: { services: ['a'] }, to: route }] }] : [])],
  });
}

interface TExpectation {
  method: string;
  path: string;
  allowed: boolean;
}

/** Each call a→b as expected (200 from b, or 403 from the mesh), and b received exactly the allowed ones, from a. */
async function expectCalls(probe: TProbe, list: TExpectation[]): Promise<TStepOutcome> {
  await probe.resetCounts();
  const results: { e: TExpectation; r: TCallResult }[] = [];
  for (const e of list) results.push({ e, r: await probe.call('a', 'b', { method: e.method, path: e.path }) });
  const allowed = list.filter((e) => e.allowed).length;
  const seen = (await probe.counts('b')).total;
  const ok = results.every(({ e, r }) => (e.allowed ? r.status === 200 && r.service === 'b' : deniedByMesh(r))) && JSON.stringify(seen) === JSON.stringify(allowed ? { a: allowed } : {});
  const expected = `${list.map((e) => `${e.method} ${e.path}: ${e.allowed ? '200 from b' : '403 from the mesh'}`).join('; ')}; b's counts exactly ${JSON.stringify(allowed ? { a: allowed } : {})}`;
  const observed = `${results.map(({ e, r }) => `${e.method} ${e.path}: ${describeCall(r)}`).join('; ')}; b's counts ${JSON.stringify(seen)}`;
  return ok ? pass(observed) : fail(expected, observed);
}

export function smiSpecSuite(): TSuiteDef {
  const gate = new Gate();
  const steps: TStepDef[] = [
    kindStep({ kind: 'HTTPRouteGroup', features: ['authorization-source', 'authorization-request'], app: () => app(), gate }),
    gated(
      gate,
      prerequisite(gate, 'the sample app is not deployed (step 2 did not pass)', deployStep({ name: 'the sample app is deployed', assertion: 'services a and b run under SMI access control (no TrafficTarget)', text: () => app(), check: (p) => workloadsAnswer(p, ['a', 'b']) })),
    ),
    gated(gate, deployStep({ name: "allow only b's /metrics, any method", assertion: 'an HTTPRouteGroup matching /metrics (any method), bound from a to b by a TrafficTarget, is applied', text: () => app({ paths: ['/metrics'] }) })),
    gated(gate, {
      name: '/metrics succeeds and /echo fails',
      assertion: 'GET, POST and PUT /metrics from a reach b; GET and POST /echo are answered 403 by the mesh',
      run: (ctx) =>
        expectCalls(ctx.probe(), [
          { method: 'GET', path: '/metrics', allowed: true },
          { method: 'POST', path: '/metrics', allowed: true },
          { method: 'PUT', path: '/metrics', allowed: true },
          { method: 'GET', path: '/echo', allowed: false },
          { method: 'POST', path: '/echo', allowed: false },
        ]),
    }),
    gated(gate, deployStep({ name: "allow b's /* for GET only", assertion: 'the HTTPRouteGroup is replaced by one matching /* for GET only', text: () => app({ paths: ['/*'], methods: ['GET'] }) })),
    gated(gate, {
      name: 'GET succeeds and POST fails',
      assertion: 'GET /echo and GET /metrics from a reach b; POST /echo and POST /metrics are answered 403 by the mesh',
      run: (ctx) =>
        expectCalls(ctx.probe(), [
          { method: 'GET', path: '/echo', allowed: true },
          { method: 'GET', path: '/metrics', allowed: true },
          { method: 'POST', path: '/echo', allowed: false },
          { method: 'POST', path: '/metrics', allowed: false },
        ]),
    }),
  ];
  return { id: 'smi-spec', title: 'SMI traffic spec', specVersion: SMI_SPEC_SPEC, steps };
}
