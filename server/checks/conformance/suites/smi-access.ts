/**
 * SMI traffic access (TrafficTarget, access.smi-spec.io/v1alpha3), after the SMI conformance
 * suite's traffic-access test: with SMI access control on, no traffic flows unless a
 * TrafficTarget allows it. In pattern terms: the mesh-wide Authorization policy with no rules
 * (allow nothing) is SMI's default, and a TrafficTarget a→b is an Authorization on b allowing
 * source service a.
 */
import type { TStepDef, TSuiteDef } from '../types';
import { deniedByMesh, deployStep, describeCall, fail, Gate, gated, kindStep, pass, patternText, prerequisite, tally, uniquePath, workloadsAnswer } from './common';

export const SMI_ACCESS_SPEC = 'SMI traffic access v1alpha3';
const SERVICES = ['a', 'b', 'c'] as const;

/** The sample app under SMI access control, plus `allowAtoB` (the TrafficTarget a→b). */
function app(allowAtoB: boolean): string {
  return patternText('conformance-smi-access', 'SMI traffic access conformance', {
    services: [{ name: 'a', calls: ['b', 'c'] }, { name: 'b' }, { name: 'c' }],
    policies: [
      // No TrafficTarget: nothing is allowed (the mesh-wide allow-nothing policy).
      { kind: 'Authorization' },
      ...(allowAtoB ? [{ kind: 'Authorization', target: 'b', rules: [{ from: { services: ['a'] } }] }] : []),
    ],
  });
}

/** a→b is refused by the mesh and b receives nothing from a. */
function blockedStep(name: string): TStepDef {
  return {
    name,
    assertion: 'a→b is answered 403 by the mesh and b receives nothing from a',
    async run(ctx) {
      const probe = ctx.probe();
      await probe.resetCounts();
      const r = await probe.call('a', 'b', { path: uniquePath('smi-access') });
      const seen = (await probe.counts('b')).total.a ?? 0;
      if (!deniedByMesh(r) || seen !== 0) return fail('a→b: 403 from the mesh; b receives 0 requests from a', `a→b: ${describeCall(r)}; b received ${seen} from a`);
      return pass(`a→b: ${describeCall(r)}; b received 0 from a`);
    },
  };
}

export function smiAccessSuite(): TSuiteDef {
  const gate = new Gate();
  const steps: TStepDef[] = [
    kindStep({ kind: 'TrafficTarget', features: ['authorization-source'], app: () => app(false), gate }),
    gated(
      gate,
      prerequisite(gate, 'the sample app is not deployed (step 2 did not pass)', deployStep({ name: 'the sample app is deployed', assertion: 'services a, b and c run under SMI access control (no TrafficTarget)', text: () => app(false), check: (p) => workloadsAnswer(p, [...SERVICES]) })),
    ),
    gated(gate, {
      name: 'all traffic is blocked by default',
      assertion: 'every call between a, b and c, and from outside to each, is answered 403 by the mesh, and no workload receives any of them',
      async run(ctx) {
        const probe = ctx.probe();
        await probe.resetCounts();
        const pairs = SERVICES.flatMap((from) => SERVICES.filter((to) => to !== from).map((to) => ({ from: from as string | null, to })));
        pairs.push(...SERVICES.map((to) => ({ from: null, to })));
        const results = await Promise.all(pairs.map(async (p) => ({ ...p, r: await probe.call(p.from, p.to, { path: uniquePath('smi-access') }) })));
        const through = results.filter((x) => !deniedByMesh(x.r)).map((x) => `${x.from ?? 'outside'}→${x.to}: ${describeCall(x.r)}`);
        // Each workload counts the probe's own /call requests (source "unknown", 2 per service); nothing else may arrive.
        const leaks: string[] = [];
        for (const s of SERVICES) {
          const total = (await probe.counts(s)).total;
          const callsAsCaller = pairs.filter((p) => p.from === s).length;
          for (const [source, n] of Object.entries(total)) {
            const extra = source === 'unknown' ? n - callsAsCaller : n;
            if (extra > 0) leaks.push(`${s} received ${extra} from ${source === 'unknown' ? 'outside' : source}`);
          }
        }
        if (through.length || leaks.length) return fail(`all ${pairs.length} calls: 403 from the mesh; no workload receives any`, [...through, ...leaks].join('; '));
        return pass(`${pairs.length} calls: ${tally(results.map((x) => x.r))}; no workload received any`);
      },
    }),
    gated(gate, deployStep({ name: 'a rule allowing a→b is applied', assertion: 'a TrafficTarget from a to b (Authorization on b from a) is applied', text: () => app(true) })),
    gated(gate, {
      name: 'a→b succeeds and b saw exactly that request, from a',
      assertion: 'a→b is answered 200 by b, b received exactly that one request, from a, and a→c stays blocked',
      async run(ctx) {
        const probe = ctx.probe();
        await probe.resetCounts();
        const path = uniquePath('smi-access');
        const r = await probe.call('a', 'b', { path });
        const body = r.body as { path?: unknown; source?: unknown } | undefined;
        const seen = (await probe.counts('b')).total;
        const other = await probe.call('a', 'c', { path: uniquePath('smi-access') });
        const expected = `a→b: 200 from b for ${path} with source a; b's counts exactly {a: 1}; a→c: 403 from the mesh`;
        const observed = `a→b: ${describeCall(r)}${body?.path !== undefined ? ` for ${String(body.path)} with source ${String(body.source)}` : ''}; b's counts ${JSON.stringify(seen)}; a→c: ${describeCall(other)}`;
        const ok = r.status === 200 && r.service === 'b' && body?.path === path && body?.source === 'a' && JSON.stringify(seen) === JSON.stringify({ a: 1 }) && deniedByMesh(other);
        return ok ? pass(observed) : fail(expected, observed);
      },
    }),
    gated(gate, deployStep({ name: 'the rule is deleted', assertion: 'the TrafficTarget a→b is removed again', text: () => app(false) })),
    gated(gate, blockedStep('a→b is blocked again')),
  ];
  return { id: 'smi-access', title: 'SMI traffic access', specVersion: SMI_ACCESS_SPEC, steps };
}
