/**
 * What the SMI and GAMMA suites share: outcomes, the gate that SKIPs the rest of a suite once
 * its kind or its app is missing, the "kind is available" step, pattern text, traffic bursts and
 * words for what was observed.
 */
import type { TFeature } from '@/patterns/language/features';
import { parsePattern, serializePattern } from '@/patterns/language';
import { getAdapter } from '@/server/adapters/registry';
import type { TConformanceContext } from '../context';
import { shareVerdict, SPLIT_REQUESTS } from '../stats';
import type { TCallResult, TProbe, TStepDef, TStepOutcome, TSuiteContext } from '../types';

export const pass = (observed?: string): TStepOutcome => (observed === undefined ? { status: 'PASSED' } : { status: 'PASSED', observed });
export const fail = (expected: string, observed: string): TStepOutcome => ({ status: 'FAILED', expected, observed });
export const skip = (reason: string): TStepOutcome => ({ status: 'SKIPPED', reason });

/** Where the context runs, when it says so (the engine's contexts do). */
export function envOf(ctx: TSuiteContext): TConformanceContext | undefined {
  const c = ctx as Partial<TConformanceContext>;
  return c.target && c.mesh && c.deployment ? (ctx as TConformanceContext) : undefined;
}

/**
 * Closes once a step the rest depends on did not pass (the kind, the app): later steps are then
 * SKIPPED with the first reason instead of failing for a cause already reported.
 */
export class Gate {
  reason: string | undefined;
  close(reason: string): void {
    this.reason ??= reason;
  }
}

/** `step`, skipped while `gate` is closed. */
export function gated(gate: Gate, step: TStepDef): TStepDef {
  return { ...step, run: async (ctx) => (gate.reason ? skip(gate.reason) : step.run(ctx)) };
}

/** `step`, closing `gate` with `reason` unless it passes (an exception closes it too). */
export function prerequisite(gate: Gate, reason: string, step: TStepDef): TStepDef {
  return {
    ...step,
    run: async (ctx) => {
      try {
        const outcome = await step.run(ctx);
        if (outcome.status !== 'PASSED') gate.close(reason);
        return outcome;
      } catch (e) {
        gate.close(reason);
        throw e;
      }
    },
  };
}

/** A pattern's text from its parts (canonical YAML, as a user would write it). */
export function patternText(name: string, title: string, spec: Record<string, unknown>): string {
  return serializePattern({ apiVersion: 'meshloom.dev/v1alpha1', kind: 'Pattern', metadata: { name, title, category: 'standards', tags: ['conformance'] }, spec });
}

/**
 * "The kind is available": the target runs the context's mesh, the mesh's adapter declares every
 * feature the kind needs as full, and the target accepts the suite's app (a plan with no errors:
 * on Kubernetes a kind whose CRD is not served fails there).
 */
export function kindStep(o: { kind: string; features: TFeature[]; app: () => string; gate: Gate }): TStepDef {
  const step: TStepDef = {
    name: `${o.kind} is available`,
    assertion: `the target runs the mesh, whose adapter supports ${o.features.join(', ')} fully, and accepts the suite's app`,
    async run(ctx) {
      const env = envOf(ctx);
      if (!env) return skip('the context does not say which target and mesh it runs on');
      const { target, mesh } = env;
      if (!target.meshes.includes(mesh)) return fail(`${target.title} runs the ${mesh} mesh`, `it runs ${target.meshes.join(', ') || 'no mesh'}`);
      const caps = getAdapter(mesh).capabilities;
      const lacking = o.features.filter((f) => caps[f].level !== 'full');
      if (lacking.length)
        return fail(`the ${mesh} adapter supports ${o.features.join(', ')} fully`, lacking.map((f) => `${f}: ${caps[f].level}${caps[f].note ? ` (${caps[f].note})` : ''}`).join('; '));
      const parsed = parsePattern(o.app());
      if (!parsed.pattern) return fail("the suite's app pattern is valid", parsed.diagnostics.map((d) => `${d.code} ${d.message}`).join('; '));
      let errors: string[];
      try {
        const plan = await target.plan({ deployment: env.deployment, pattern: parsed.pattern, mesh });
        errors = plan.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code} ${d.message}`);
      } catch (e) {
        errors = [e instanceof Error ? e.message : String(e)];
      }
      if (errors.length) return fail(`${target.title} accepts ${o.kind} objects for ${mesh}`, errors.join('; '));
      return pass(`${mesh} on ${target.title}: ${o.features.map((f) => `${f} full`).join(', ')}`);
    },
  };
  return prerequisite(o.gate, `${o.kind} is not available (step 1 did not pass)`, step);
}

/** Applies `text()` as the suite's deployment; `check` may look at the result. */
export function deployStep(o: { name: string; assertion: string; text: () => string; check?: (probe: TProbe) => Promise<TStepOutcome> }): TStepDef {
  return {
    name: o.name,
    assertion: o.assertion,
    async run(ctx) {
      const probe = await ctx.deploy(o.text());
      return o.check ? o.check(probe) : pass('applied');
    },
  };
}

/** The sample app answers on every workload of `services` (their counts can be read). */
export async function workloadsAnswer(probe: TProbe, services: string[]): Promise<TStepOutcome> {
  const missing: string[] = [];
  for (const s of services) {
    try {
      await probe.counts(s);
    } catch (e) {
      missing.push(e instanceof Error ? e.message : String(e));
    }
  }
  if (missing.length) return fail(`the workloads of ${services.join(', ')} answer`, missing.join('; '));
  return pass(`${services.join(', ')} running; entry listeners ${Object.entries(probe.endpoints).map(([k, v]) => `${k} ${v}`).join(', ')}`);
}

// --- traffic --------------------------------------------------------------------------------

type TReq = Parameters<TProbe['call']>[2];

/** `n` calls from → to, at most `concurrency` at a time, results in call order. */
export async function callMany(probe: TProbe, from: string | null, to: string, n: number, req?: TReq, concurrency = 8): Promise<TCallResult[]> {
  const out: TCallResult[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await probe.call(from, to, req);
      }
    }),
  );
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The error of a call that did not reach a workload (connection refused, no upstream…), if any. */
export function callError(r: TCallResult): string | undefined {
  if (r.service) return undefined;
  return isRecord(r.body) && typeof r.body.error === 'string' ? r.body.error : undefined;
}

/** One call in words: "200 from b", "403 from the mesh", "502: connect ECONNREFUSED 127.0.0.1:41234", "no answer: …". */
export function describeCall(r: TCallResult): string {
  const error = callError(r);
  if (r.status === 0) return `no answer: ${error ?? 'unknown error'}`;
  if (r.service) return `${r.status} from ${r.service}`;
  if (error) return `${r.status}: ${error}`;
  return `${r.status} from the mesh`;
}

/** Calls in words, grouped: "200 from b ×150, 200 from c ×50". */
export function tally(results: TCallResult[]): string {
  const counts = new Map<string, number>();
  for (const r of results) counts.set(describeCall(r), (counts.get(describeCall(r)) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => (results.length === 1 ? k : `${k} ×${n}`))
    .join(', ');
}

/** A denial by the mesh: 403 and no workload answered. */
export const deniedByMesh = (r: TCallResult) => r.status === 403 && !r.service;

/** Requests `service` received from `source` (summed over its workloads). */
export async function receivedFrom(probe: TProbe, service: string, source: string): Promise<number> {
  return (await probe.counts(service)).total[source] ?? 0;
}

/** A fresh path per call site, so "b saw exactly that request" can be checked by path. */
export function uniquePath(prefix: string): string {
  return `/${prefix}/${Math.random().toString(36).slice(2, 10)}`;
}

/**
 * Sends SPLIT_REQUESTS calls from → to and checks the share `first` of `backends` received
 * against `weights` (percent, same order) with the binomial test of stats.ts.
 */
export async function checkSplit(probe: TProbe, o: { from: string | null; to: string; backends: [string, string]; weights: [number, number]; n?: number }): Promise<TStepOutcome> {
  const n = o.n ?? SPLIT_REQUESTS;
  const [b, c] = o.backends;
  const source = o.from ?? 'unknown';
  await probe.resetCounts();
  const results = await callMany(probe, o.from, o.to, n);
  const answered = results.filter((r) => r.status === 200 && (r.service === b || r.service === c)).length;
  if (answered !== n) return fail(`all ${n} requests from ${o.from ?? 'outside'} to ${o.to} answered 200 by ${b} or ${c}`, tally(results));
  const [nb, nc] = [await receivedFrom(probe, b, source), await receivedFrom(probe, c, source)];
  if (nb + nc !== n) return fail(`${b} and ${c} together receive the ${n} requests from ${o.from ?? 'outside'}`, `${b} received ${nb}, ${c} ${nc} (replies: ${tally(results)})`);
  const v = shareVerdict(b, o.weights[0], nb, n);
  const observed = `${v.observed}, ${c} received ${nc}`;
  return v.ok ? pass(observed) : fail(`${v.expected}, ${c} the rest`, observed);
}
