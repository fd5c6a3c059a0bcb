/**
 * What every behaviour step shares: the pattern model, the time budget, deploying the pattern (or
 * a variant of it that isolates one observation) and the step/outcome helpers.
 */
import type { TFeature } from '@/patterns/language/features';
import { serializePattern } from '@/patterns/language/serialize';
import type { TPattern } from '@/patterns/language/schema';
import type { TProbe, TStepDef, TStepOutcome, TSuiteContext } from '../../types';
import type { Model } from './model';

export interface TBehaviourOptions {
  /**
   * The longest single wait a step makes for a configured duration (a timeout, a fault delay, a
   * circuit breaker's ejection time). Longer timeouts and delays are SKIPPED with that reason;
   * ejection times and health-check intervals are scaled down to it (the step says so).
   * Default 3000 ms, or MESHLOOM_BEHAVIOUR_MAX_WAIT_MS.
   */
  maxWaitMs?: number;
}

/** A step plus the pattern features it checks (or reports SKIPPED for). */
export interface TPlannedStep extends TStepDef {
  features: TFeature[];
  /** Set when the step is SKIPPED whatever runs (decided from the pattern alone). */
  skipReason?: string;
}

/**
 * A deployment the steps run against: the pattern as written, or a variant (a function of the
 * resolved pattern) that removes what would interfere with one observation. Variants are named in
 * the step's assertion.
 */
export interface TVariant {
  key: string;
  make?: (p: TPattern) => TPattern;
}

export const AS_IS: TVariant = { key: 'as-is' };

/**
 * The pattern without the policies that react to the errors and load the checks provoke on
 * purpose: rate limits (a burst of check traffic would be limited), circuit breakers and passive
 * health checks (a provoked failure would eject endpoints the next check needs). Each of those
 * has its own steps, run on the pattern as written (or their own variant).
 */
export const QUIET: TVariant = {
  key: 'quiet',
  make: (p) => {
    const q = structuredClone(p);
    q.spec.policies = q.spec.policies.flatMap((x): TPattern['spec']['policies'] => {
      if (x.kind === 'RateLimit' || x.kind === 'CircuitBreaker') return [];
      if (x.kind === 'HealthCheck' && x.passive) {
        if (!x.active) return [];
        const { passive: _drop, ...rest } = x;
        return [rest];
      }
      return [x];
    });
    return q;
  },
};

export const QUIET_NOTE = 'on the pattern without its rate limits, circuit breakers and passive health checks (they have their own steps)';

export class BehaviourKit {
  private deployed: string | undefined;
  private readonly texts = new Map<string, string>();

  constructor(
    readonly model: Model,
    readonly text: string,
    readonly maxWaitMs: number,
  ) {}

  get pattern(): TPattern {
    return this.model.pattern;
  }

  /** Whether a variant deploys something other than the pattern as written. */
  differs(v: TVariant): boolean {
    return this.textOf(v) !== this.textOf(AS_IS) && this.textOf(v) !== serializePattern(this.pattern);
  }

  textOf(v: TVariant): string {
    let t = this.texts.get(v.key);
    if (t === undefined) {
      t = v.make ? serializePattern(v.make(this.pattern)) : this.text;
      this.texts.set(v.key, t);
    }
    return t;
  }

  /** Deploys the variant unless it is what runs already; returns the probe. */
  async use(ctx: TSuiteContext, v: TVariant): Promise<TProbe> {
    let t = this.textOf(v);
    // A variant that changes nothing runs as the pattern itself (no reload between steps).
    if (v.make && t === serializePattern(this.pattern)) t = this.text;
    if (this.deployed === t) return ctx.probe();
    this.deployed = undefined;
    const probe = await ctx.deploy(t);
    this.deployed = t;
    return probe;
  }
}

export const pass = (observed?: string): TStepOutcome => (observed ? { status: 'PASSED', observed } : { status: 'PASSED' });
export const fail = (expected: string, observed: string): TStepOutcome => ({ status: 'FAILED', expected, observed });
export const skip = (reason: string): TStepOutcome => ({ status: 'SKIPPED', reason });

export function skipped(name: string, assertion: string, features: TFeature[], reason: string): TPlannedStep {
  return { name, assertion, features, skipReason: reason, run: async () => skip(reason) };
}

/** Time tolerance: a cut can come at most a little early (timers, clocks) and somewhat late (a loaded 2-core machine). */
export const EARLY_MS = 30;
export const lateMs = (value: number) => 250 + Math.round(value * 0.1);

/**
 * Collects the sub-checks of one step: FAILED when any failed, PASSED when some passed, SKIPPED
 * (with the notes as the reason) when nothing could be checked.
 */
export class Verdict {
  private readonly failures: { expected: string; observed: string }[] = [];
  private readonly passes: string[] = [];
  private readonly notes: string[] = [];

  /** A sub-check that could not be made, and why (reported with the outcome). */
  note(text: string): void {
    this.notes.push(text);
  }

  check(cond: boolean, expected: string, observed: string): boolean {
    if (cond) this.passes.push(observed);
    else this.failures.push({ expected, observed });
    return cond;
  }

  get checked(): number {
    return this.failures.length + this.passes.length;
  }

  outcome(): TStepOutcome {
    const notes = this.notes.length ? ` (not checked: ${this.notes.join('; ')})` : '';
    if (this.failures.length) return fail(this.failures.map((f) => f.expected).join('; '), this.failures.map((f) => f.observed).join('; ') + notes);
    if (this.passes.length) return pass(this.passes.join('; ') + notes);
    return skip(this.notes.join('; ') || 'nothing to check');
  }
}
