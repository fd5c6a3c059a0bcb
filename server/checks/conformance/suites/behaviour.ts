/**
 * The behaviour suite: for one pattern, deploy it (on the sandbox by default) and check, with real
 * traffic through the probe, that every policy and route feature it uses behaves as the pattern
 * says — one or more steps per feature. Expected values (weights, timeouts, limits, attempts,
 * percentages) come from the parsed, parameter-resolved pattern. What the target cannot express,
 * or the sample workload cannot show, is a SKIPPED step with the reason; never left out.
 *
 * Steps run in this order: rate limits (on the pattern as written: they need a quiet frontend),
 * then mTLS, authorization, routing, splits, load balancing, timeouts, retries, faults and
 * connection limits (on the pattern without the policies that react to provoked failures),
 * then health checks, circuit breakers and locality failover (each on its own variant, since
 * they take endpoints out), then the features nothing here can observe.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type TFeature, featuresOf } from '@/patterns/language/features';
import { parsePattern } from '@/patterns/language/parse';
import { repoRoot } from '@/server/db/url';
import type { TSuiteDef } from '../types';
import { BehaviourKit, skip, type TBehaviourOptions, type TPlannedStep } from './behaviour/kit';
import { Model } from './behaviour/model';
import { connectionLimitSteps, loadBalancingSteps } from './behaviour/balancing';
import { faultSteps } from './behaviour/faults';
import { activeHealthCheckSteps, circuitBreakerSteps, localitySteps } from './behaviour/outliers';
import { rateLimitSteps } from './behaviour/rate-limit';
import { retrySteps } from './behaviour/retries';
import { routingSteps } from './behaviour/routing';
import { authorizationSteps, mtlsSteps } from './behaviour/security';
import { timeoutSteps } from './behaviour/timeouts';
import { unobservableSteps } from './behaviour/unobservable';

export type { TBehaviourOptions } from './behaviour/kit';

export const BEHAVIOUR_SPEC = 'Meshloom pattern v1alpha1';
const DEFAULT_MAX_WAIT_MS = 3000;

function loadCatalogInclude(name: string): string | undefined {
  if (!/^[a-z0-9-]+$/.test(name)) return undefined;
  try {
    return readFileSync(join(/*turbopackIgnore: true*/ repoRoot(), 'patterns', 'catalog', `${name}.yaml`), 'utf8');
  } catch {
    return undefined;
  }
}

function maxWaitOf(o: TBehaviourOptions): number {
  if (o.maxWaitMs !== undefined) return o.maxWaitMs;
  const env = Number(process.env.MESHLOOM_BEHAVIOUR_MAX_WAIT_MS);
  return Number.isFinite(env) && env > 0 ? env : DEFAULT_MAX_WAIT_MS;
}

/** The behaviour suite of one pattern (file name or catalog name, and its text). */
export function behaviourSuite(pattern: { name: string; text: string }, options: TBehaviourOptions = {}): TSuiteDef {
  const base = { id: 'behaviour' as const, title: `Behaviour of ${pattern.name}`, specVersion: BEHAVIOUR_SPEC, pattern: pattern.name };
  const parsed = parsePattern(pattern.text, { positions: false, loadInclude: loadCatalogInclude });
  if (!parsed.ok || !parsed.pattern) {
    const errors = parsed.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code} ${d.message}`);
    return {
      ...base,
      steps: [{ name: 'pattern parses', assertion: 'the pattern file parses, with its parameters resolved', run: async () => ({ status: 'FAILED', expected: 'a valid pattern', observed: errors.join('; ') || 'no pattern' }) }],
    };
  }
  const kit = new BehaviourKit(new Model(parsed.pattern), pattern.text, maxWaitOf(options));
  const planned: TPlannedStep[] = [
    ...rateLimitSteps(kit),
    ...mtlsSteps(kit),
    ...authorizationSteps(kit),
    ...routingSteps(kit),
    ...loadBalancingSteps(kit),
    ...timeoutSteps(kit),
    ...retrySteps(kit),
    ...faultSteps(kit),
    ...connectionLimitSteps(kit),
    ...activeHealthCheckSteps(kit),
    ...circuitBreakerSteps(kit),
    ...localitySteps(kit),
  ];
  // Every feature the pattern uses gets a step: checked above, or SKIPPED with why.
  const covered = new Set<TFeature>(planned.flatMap((s) => s.features));
  planned.push(...unobservableSteps(kit, featuresOf(parsed.pattern).filter((f) => !covered.has(f))));

  if (planned.length === 0) {
    planned.push({ name: 'behaviour', assertion: 'the pattern uses a policy or route feature to check', features: [], run: async () => skip('the pattern uses no policy or route feature: there is no behaviour to check beyond the deployment itself') });
  } else if (planned.every((s) => s.skipReason !== undefined)) {
    // Nothing checkable: one SKIPPED step saying why.
    const reasons = planned.map((s) => `${s.name}: ${s.skipReason}`);
    return { ...base, steps: [{ name: 'behaviour', assertion: 'the pattern has a behaviour the sandbox can show', run: async () => skip(`nothing the sandbox can check — ${reasons.join('; ')}`) }] };
  }
  return { ...base, steps: planned.map(({ name, assertion, run }) => ({ name, assertion, run })) };
}
