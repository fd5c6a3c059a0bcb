/**
 * The suite context of a target (TSuiteContext in types.ts): `deploy` parses the pattern text
 * (catalog includes resolved), applies it under the suite's own deployment (an update when it
 * exists: processes are kept, HAProxy reloads) and returns a probe of the result; `undeploy`
 * removes the deployment. Only the sandbox has a probe (probe.ts): on other targets `deploy`
 * throws SkipStep, so steps that need traffic are SKIPPED with that reason.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePattern } from '@/patterns/language';
import type { TMeshId } from '@/patterns/language/schema';
import { repoRoot } from '@/server/db/url';
import type { TSandboxTarget } from '@/server/targets/sandbox';
import type { TTarget } from '@/server/targets/types';
import { createSandboxProbe, settleProxy } from './probe';
import type { TProbe, TSuiteContext, TSuiteDef } from './types';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function isSandboxTarget(t: TTarget): t is TSandboxTarget {
  return t.id === 'sandbox' && typeof (t as Partial<TSandboxTarget>).processes === 'function';
}

/** Thrown by a step (or by the context for it) to report the step SKIPPED with `reason`. */
export class SkipStep extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** The context the engine gives steps: the contract plus where it runs (for "the kind is available" steps). */
export interface TConformanceContext extends TSuiteContext {
  readonly target: TTarget;
  readonly mesh: TMeshId;
  readonly deployment: string;
}


/** Reads `patterns/catalog/<name>.yaml` for `spec.includes` of suite patterns. */
function catalogInclude(name: string): string | undefined {
  if (!/^[a-z0-9-]+$/.test(name)) return undefined;
  try {
    return readFileSync(join(/*turbopackIgnore: true*/ repoRoot(), 'patterns', 'catalog', `${name}.yaml`), 'utf8');
  } catch {
    return undefined;
  }
}

/** The deployment a suite runs under: `conformance-<suite>` or, per pattern, `conformance-<suite>-<pattern>` (a DNS label). */
export function deploymentNameFor(def: Pick<TSuiteDef, 'id' | 'pattern'>): string {
  const base = `conformance-${def.id}${def.pattern ? `-${def.pattern}` : ''}`;
  return (
    base
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/-+/g, '-')
      .slice(0, 63)
      .replace(/-+$/, '') || 'conformance'
  );
}

/**
 * A suite context on `target`: `deploy` applies under `deployment`, `undeploy` deletes it (only
 * when this context applied something; it waits out an operation still holding the lock).
 */
export function createSuiteContext(o: { target: TTarget; mesh: TMeshId; deployment: string; signal?: AbortSignal }): TConformanceContext {
  const { target, mesh, deployment, signal } = o;
  let current: TProbe | undefined;
  let touched = false;
  return {
    target,
    mesh,
    deployment,
    ...(signal ? { signal } : {}),
    async deploy(text) {
      if (signal?.aborted) throw new SkipStep('the run was cancelled');
      const parsed = parsePattern(text, { loadInclude: catalogInclude });
      if (!parsed.ok || !parsed.pattern) {
        const errors = parsed.diagnostics.filter((d) => d.severity === 'error').slice(0, 5);
        throw new Error(`the pattern does not parse: ${errors.map((d) => `${d.code} ${d.message}${d.path.length ? ` at ${d.path.join('.')}` : ''}`).join('; ')}`);
      }
      if (!isSandboxTarget(target)) throw new SkipStep(`no traffic probe for the ${target.title} target yet: conformance traffic runs on the sandbox`);
      touched = true;
      current = undefined;
      const r = await target.apply({ deployment, pattern: parsed.pattern, mesh }, signal ? { signal } : {});
      if (!r.ok) {
        if (signal?.aborted) throw new SkipStep('the run was cancelled');
        throw new Error(`the ${target.id} target did not apply the pattern: ${r.error ? `${r.error.code} ${r.error.message}` : 'no reason given'}`);
      }
      await settleProxy(target, deployment);
      current = createSandboxProbe({ target, deployment, endpoints: r.endpoints ?? {}, ...(signal ? { signal } : {}) });
      return current;
    },
    probe() {
      if (!current) throw new Error('nothing is deployed (the step that deploys the app did not succeed)');
      return current;
    },
    async undeploy() {
      current = undefined;
      if (!touched) return;
      // Never with the run's signal: cleanup runs after a cancel too. An apply of a cancelled
      // step may still hold the deployment's lock for a moment (ML7004): wait for it.
      for (let attempt = 0; ; attempt++) {
        const r = await target.delete({ deployment, mesh });
        if (r.ok) {
          touched = false;
          return;
        }
        if (r.error?.code !== 'ML7004' || attempt >= 80) throw new Error(`could not remove deployment ${deployment}: ${r.error ? `${r.error.code} ${r.error.message}` : 'no reason given'}`);
        await sleep(250);
      }
    },
  };
}

