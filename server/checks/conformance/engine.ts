/**
 * Runs conformance suites (types.ts) against a deploy target.
 *
 * - `runChecks` picks the suites of the requested groups, runs them one after the other on the
 *   target (each under its own deployment, `conformance-<suite>[-<pattern>]`), and returns the
 *   run with the versions of what ran and the totals. A target that is not available here (no
 *   HAProxy, no kubeconfig) gives every step SKIPPED with the target's reason.
 * - `runSuite` runs one suite's steps in order: timing, progress events, an exception in a step
 *   is that step FAILED with the error as what was observed (a `SkipStep` thrown is SKIPPED with
 *   its reason), a cancelled run SKIPs what is left; the deployment is always removed at the end,
 *   whatever happened. Capability: FULL when every step passed, PARTIAL when some did, NONE when
 *   none did.
 * - `createSuiteContext` (context.ts) is the TSuiteContext of a target.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TMeshId } from '@/patterns/language/schema';
import { repoRoot } from '@/server/db/url';
import { getTarget } from '@/server/targets/registry';
import { findHaproxy, haproxyVersion } from '@/server/targets/sandbox/haproxy';
import type { TTarget } from '@/server/targets/types';
import { createSuiteContext, deploymentNameFor, SkipStep } from './context';
import { suitesFor } from './suites';
import type { TCapabilityLevel, TCheckOptions, TCheckProgress, TCheckRun, TStepDef, TStepResult, TSuiteContext, TSuiteDef, TSuiteGroup, TSuiteResult } from './types';

export { createSuiteContext, deploymentNameFor, SkipStep, type TConformanceContext } from './context';

export const ALL_GROUPS: readonly TSuiteGroup[] = ['smi', 'gamma', 'behaviour'];

function capabilityOf(steps: TStepResult[]): TCapabilityLevel {
  const passed = steps.filter((s) => s.status === 'PASSED').length;
  if (steps.length > 0 && passed === steps.length) return 'FULL';
  return passed > 0 ? 'PARTIAL' : 'NONE';
}

function emitter(onProgress: ((p: TCheckProgress) => void) | undefined): (p: TCheckProgress) => void {
  return (p) => {
    try {
      onProgress?.(p);
    } catch {
      /* a listener's failure is not the suite's */
    }
  };
}

const oneLine = (s: string) => s.replace(/\s*\n\s*/g, ' ').trim();

async function runStep(step: TStepDef, ctx: TSuiteContext, base: Omit<TStepResult, 'status' | 'durationMs'>): Promise<TStepResult> {
  const t0 = performance.now();
  const took = () => Math.round(performance.now() - t0);
  const signal = ctx.signal;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<'aborted'>((resolve) => {
    if (!signal) return;
    onAbort = () => resolve('aborted');
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const outcome = await Promise.race([step.run(ctx), aborted]);
    if (outcome === 'aborted') return { ...base, status: 'SKIPPED', durationMs: took(), reason: 'the run was cancelled while this step ran' };
    if (outcome.status === 'PASSED') return { ...base, status: 'PASSED', durationMs: took(), ...(outcome.observed !== undefined ? { observed: oneLine(outcome.observed) } : {}) };
    if (outcome.status === 'FAILED') return { ...base, status: 'FAILED', durationMs: took(), expected: oneLine(outcome.expected), observed: oneLine(outcome.observed) };
    return { ...base, status: 'SKIPPED', durationMs: took(), reason: oneLine(outcome.reason) };
  } catch (e) {
    if (e instanceof SkipStep) return { ...base, status: 'SKIPPED', durationMs: took(), reason: oneLine(e.reason) };
    if (signal?.aborted) return { ...base, status: 'SKIPPED', durationMs: took(), reason: 'the run was cancelled while this step ran' };
    return { ...base, status: 'FAILED', durationMs: took(), expected: step.assertion, observed: oneLine(`error: ${e instanceof Error ? e.message : String(e)}`) };
  } finally {
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Runs the steps of `def` in order on `ctx` and always undeploys at the end (a failed undeploy
 * is reported as one more FAILED step, "undeploy").
 */
export async function runSuite(def: TSuiteDef, ctx: TSuiteContext, options: { onProgress?: (p: TCheckProgress) => void } = {}): Promise<TSuiteResult> {
  const emit = emitter(options.onProgress);
  const t0 = performance.now();
  emit({ type: 'suite-start', suite: def.id, title: def.title, ...(def.pattern ? { pattern: def.pattern } : {}) });
  const steps: TStepResult[] = [];
  const baseOf = (index: number, name: string, assertion: string) => ({ suite: def.id, specVersion: def.specVersion, index, name, assertion });
  let cleanupError: unknown;
  try {
    for (const [i, step] of def.steps.entries()) {
      const base = baseOf(i + 1, step.name, step.assertion);
      const result: TStepResult = ctx.signal?.aborted ? { ...base, status: 'SKIPPED', durationMs: 0, reason: 'the run was cancelled' } : await runStep(step, ctx, base);
      steps.push(result);
      emit({ type: 'step', result });
    }
  } finally {
    try {
      await ctx.undeploy();
    } catch (e) {
      cleanupError = e;
    }
  }
  if (cleanupError !== undefined) {
    const result: TStepResult = {
      ...baseOf(def.steps.length + 1, 'undeploy', 'the suite removes its deployment'),
      status: 'FAILED',
      durationMs: 0,
      expected: 'the deployment is removed',
      observed: oneLine(cleanupError instanceof Error ? cleanupError.message : String(cleanupError)),
    };
    steps.push(result);
    emit({ type: 'step', result });
  }
  const result: TSuiteResult = {
    suite: def.id,
    title: def.title,
    specVersion: def.specVersion,
    ...(def.pattern ? { pattern: def.pattern } : {}),
    capability: capabilityOf(steps),
    steps,
    durationMs: Math.round(performance.now() - t0),
  };
  emit({ type: 'suite-end', result });
  return result;
}

/** A suite whose every step is SKIPPED for `reason` (nothing runs, nothing is deployed). */
function skippedSuite(def: TSuiteDef, reason: string, emit: (p: TCheckProgress) => void): TSuiteResult {
  emit({ type: 'suite-start', suite: def.id, title: def.title, ...(def.pattern ? { pattern: def.pattern } : {}) });
  const steps = def.steps.map((s, i): TStepResult => ({ suite: def.id, specVersion: def.specVersion, index: i + 1, name: s.name, assertion: s.assertion, status: 'SKIPPED', durationMs: 0, reason }));
  for (const result of steps) emit({ type: 'step', result });
  const result: TSuiteResult = { suite: def.id, title: def.title, specVersion: def.specVersion, ...(def.pattern ? { pattern: def.pattern } : {}), capability: 'NONE', steps, durationMs: 0 };
  emit({ type: 'suite-end', result });
  return result;
}

/** The mesh a target's checks run with: the sandbox's HAProxy, else the target's first mesh. */
export function meshFor(target: TTarget): TMeshId {
  return target.meshes.includes('haproxy') ? 'haproxy' : (target.meshes[0] ?? 'haproxy');
}

function meshloomVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(/*turbopackIgnore: true*/ repoRoot(), 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

async function versionsOf(target: TTarget): Promise<Record<string, string>> {
  const out: Record<string, string> = { meshloom: meshloomVersion(), node: process.versions.node };
  if (target.id === 'sandbox') {
    const bin = findHaproxy();
    if (!bin) out.haproxy = 'not installed';
    else {
      const v = await haproxyVersion(bin);
      out.haproxy = v.ok ? v.version : `unusable (${v.reason})`;
    }
  }
  return out;
}

/** Every catalog pattern (name = file name without .yaml), for the behaviour suite by default. */
function catalogPatterns(): { name: string; text: string }[] {
  const dir = join(/*turbopackIgnore: true*/ repoRoot(), 'patterns', 'catalog');
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => ({ name: f.slice(0, -'.yaml'.length), text: readFileSync(join(dir, f), 'utf8') }));
  } catch {
    return [];
  }
}

/** The suites of one group: SMI (access, spec, split), GAMMA, or one behaviour suite per pattern (default: the catalog). */
function defsOf(group: TSuiteGroup, patterns: TCheckOptions['patterns']): TSuiteDef[] {
  return suitesFor(group, group === 'behaviour' ? (patterns ?? catalogPatterns()) : []);
}

// Runs on one target take turns within this process: they share deployment names and the
// workloads' request counts. (Kept on globalThis like the target registry: Next.js may load this
// module more than once.)
const queues = globalThis as unknown as { meshloomCheckQueues?: Map<string, Promise<unknown>> };

/** Runs the requested suite groups (default: all three) on `options.target`; runs on the same target wait for each other. */
export function runChecks(options: TCheckOptions): Promise<TCheckRun> {
  queues.meshloomCheckQueues ??= new Map();
  const q = queues.meshloomCheckQueues;
  const previous = q.get(options.target) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(() => runChecksNow(options));
  const tail = run.catch(() => undefined);
  q.set(options.target, tail);
  void tail.then(() => {
    if (q.get(options.target) === tail) q.delete(options.target);
  });
  return run;
}

async function runChecksNow(options: TCheckOptions): Promise<TCheckRun> {
  const startedAt = new Date().toISOString();
  const emit = emitter(options.onProgress);
  const target = await getTarget(options.target);
  const mesh = meshFor(target);
  const groups = [...new Set(options.suites?.length ? options.suites : ALL_GROUPS)];
  const [availability, versions] = await Promise.all([target.available(), versionsOf(target)]);
  const suites: TSuiteResult[] = [];
  for (const group of groups) {
    for (const def of defsOf(group, options.patterns)) {
      if (!availability.ok) suites.push(skippedSuite(def, `the ${target.title} target is not available: ${availability.reason}`, emit));
      else if (options.signal?.aborted) suites.push(skippedSuite(def, 'the run was cancelled', emit));
      else {
        const ctx = createSuiteContext({ target, mesh, deployment: deploymentNameFor(def), ...(options.signal ? { signal: options.signal } : {}) });
        suites.push(await runSuite(def, ctx, { onProgress: emit }));
      }
    }
  }
  const totals = { passed: 0, failed: 0, skipped: 0 };
  for (const s of suites)
    for (const step of s.steps) {
      if (step.status === 'PASSED') totals.passed++;
      else if (step.status === 'FAILED') totals.failed++;
      else totals.skipped++;
    }
  return { target: target.id, mesh, versions, startedAt, finishedAt: new Date().toISOString(), suites, totals };
}
