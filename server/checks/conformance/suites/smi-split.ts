/**
 * SMI traffic split (TrafficSplit, split.smi-spec.io/v1alpha4), after the SMI conformance
 * suite's traffic-split test: clients (a) address the apex service svc; a TrafficSplit sends a
 * weighted share of svc's traffic to the backends b and c. In pattern terms: a route on svc
 * whose rule has the weighted backends `{service: b}` and `{service: c}` (as in the catalog's
 * smi-traffic-split). Before any split the apex service selects the pods of both backends, an
 * unweighted route to b and c.
 *
 * Shares are checked with the binomial test of stats.ts over SPLIT_REQUESTS calls from a.
 */
import type { TStepDef, TSuiteDef } from '../types';
import { SPLIT_REQUESTS } from '../stats';
import { callMany, deployStep, fail, Gate, gated, kindStep, pass, patternText, prerequisite, receivedFrom, tally, checkSplit, workloadsAnswer } from './common';

export const SMI_SPLIT_SPEC = 'SMI traffic split v1alpha4';

export interface TWeights {
  b: number;
  c: number;
}

export interface TSmiSplitOptions {
  /**
   * TEST ONLY — deliberately breaks the deployment: maps the weights a step asks for to the
   * weights actually deployed (e.g. swap 75/25 into 25/75), while the step still expects the
   * ones it asked for. Used to show that a broken split fails the right step.
   */
  misconfigureForTesting?: (asked: TWeights) => TWeights;
}

function app(weights?: TWeights): string {
  return patternText('conformance-smi-split', 'SMI traffic split conformance', {
    services: [{ name: 'a', calls: ['svc'] }, { name: 'svc' }, { name: 'b' }, { name: 'c' }],
    routes: [
      {
        service: 'svc',
        rules: [{ name: 'split', backends: weights ? [{ service: 'b', weight: weights.b }, { service: 'c', weight: weights.c }] : [{ service: 'b' }, { service: 'c' }] }],
      },
    ],
  });
}

export function smiSplitSuite(options: TSmiSplitOptions = {}): TSuiteDef {
  const gate = new Gate();
  const deployed = (w: TWeights) => options.misconfigureForTesting?.(w) ?? w;
  const split = (w: TWeights, check: (w: TWeights) => string): TStepDef[] => [
    gated(gate, deployStep({ name: `a split ${w.b}/${w.c} is applied`, assertion: `a TrafficSplit of svc: b weight ${w.b}, c weight ${w.c}`, text: () => app(deployed(w)) })),
    gated(gate, {
      name: check(w),
      assertion: `of ${SPLIT_REQUESTS} requests from a to svc, b receives a share matching ${w.b}% and c the rest (binomial test, false-failure chance < 1e-6)`,
      run: (ctx) => checkSplit(ctx.probe(), { from: 'a', to: 'svc', backends: ['b', 'c'], weights: [w.b, w.c] }),
    }),
  ];
  const steps: TStepDef[] = [
    kindStep({ kind: 'TrafficSplit', features: ['traffic-split', 'cross-service-routing'], app: () => app(), gate }),
    gated(
      gate,
      prerequisite(
        gate,
        'the sample app is not deployed (step 2 did not pass)',
        deployStep({ name: 'the sample app is deployed', assertion: 'services a, svc (the apex, selecting b and c), b and c run', text: () => app(), check: (p) => workloadsAnswer(p, ['a', 'svc', 'b', 'c']) }),
      ),
    ),
    gated(gate, {
      name: 'by default both b and c get requests',
      assertion: `of ${SPLIT_REQUESTS} requests from a to svc, all are answered and both b and c receive some`,
      async run(ctx) {
        const probe = ctx.probe();
        await probe.resetCounts();
        const results = await callMany(probe, 'a', 'svc', SPLIT_REQUESTS);
        const [nb, nc] = [await receivedFrom(probe, 'b', 'a'), await receivedFrom(probe, 'c', 'a')];
        const observed = `b received ${nb}, c ${nc} of ${SPLIT_REQUESTS} (replies: ${tally(results)})`;
        const ok = results.every((r) => r.status === 200) && nb > 0 && nc > 0 && nb + nc === SPLIT_REQUESTS;
        return ok ? pass(observed) : fail(`all ${SPLIT_REQUESTS} answered 200 by b or c, each receiving at least 1`, observed);
      },
    }),
    ...split({ b: 100, c: 0 }, () => '100/0 → b gets all'),
    ...split({ b: 0, c: 100 }, () => '0/100 → c gets all'),
    ...split({ b: 75, c: 25 }, (w) => `${w.b}/${w.c} → the share matches the weights`),
    ...split({ b: 25, c: 75 }, (w) => `${w.b}/${w.c} → the share matches the weights`),
  ];
  return { id: 'smi-split', title: 'SMI traffic split', specVersion: SMI_SPLIT_SPEC, steps };
}
