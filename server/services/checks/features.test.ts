import { describe, expect, it } from 'vitest';
import { suitesFor } from '@/server/checks/conformance/suites';
import type { TStepResult, TSuiteDef } from '@/server/checks/conformance/types';
import { featuresOfStep, featureVerdict, tallyFeatures } from './features';

/** Every step of a suite definition, as a result with `status`. */
function stepsOf(def: TSuiteDef, status: TStepResult['status'] = 'PASSED'): TStepResult[] {
  return def.steps.map((s, i) => ({ suite: def.id, specVersion: def.specVersion, index: i + 1, name: s.name, assertion: s.assertion, status, durationMs: 1 }));
}

describe('which features a conformance step measures', () => {
  const [access, spec, split] = suitesFor('smi');
  const [gamma] = suitesFor('gamma');

  it('SMI: split → traffic-split, access → authorization-source, spec → authorization-request plus the method and path its steps name', () => {
    for (const s of stepsOf(split!)) expect(featuresOfStep(s)).toEqual(['traffic-split']);
    for (const s of stepsOf(access!)) expect(featuresOfStep(s)).toEqual(['authorization-source']);
    const bySpecStep = Object.fromEntries(stepsOf(spec!).map((s) => [s.name, featuresOfStep(s).sort()]));
    for (const features of Object.values(bySpecStep)) expect(features).toContain('authorization-request');
    expect(bySpecStep["allow only b's /metrics, any method"]).toEqual(['authorization-request', 'method-match', 'path-match']);
    expect(bySpecStep['GET succeeds and POST fails']).toEqual(['authorization-request', 'method-match', 'path-match']);
    expect(bySpecStep['the sample app is deployed']).toEqual(['authorization-request']);
    expect(new Set(stepsOf(spec!).flatMap((s) => featuresOfStep(s)))).toEqual(new Set(['authorization-request', 'method-match', 'path-match']));
  });

  it('GAMMA: each route step counts for the feature it names; the kind and the app for traffic-split', () => {
    const byName = Object.fromEntries(stepsOf(gamma!).map((s) => [s.name, featuresOfStep(s)]));
    expect(byName['header match']).toEqual(['header-match']);
    expect(byName['path match']).toEqual(['path-match']);
    expect(byName['request timeout']).toEqual(['request-timeout']);
    expect(byName['HTTPRoute is available']).toEqual(['traffic-split']);
    expect(byName['the sample app is deployed']).toEqual(['traffic-split']);
    for (const [name, f] of Object.entries(byName)) if (name.startsWith('weights')) expect(f).toEqual(['traffic-split']);
  });

  it('behaviour: a feature the step declares wins; otherwise the policy kind or feature its name (then assertion) names', () => {
    const step = (name: string, assertion = '', extra: object = {}) => featuresOfStep({ suite: 'behaviour', name, assertion, ...extra });
    expect(step('anything', '', { feature: 'mtls' })).toEqual(['mtls']);
    expect(step('anything', '', { feature: 'not-a-feature' })).toEqual([]);
    expect(step('CircuitBreaker on reviews: ejects a failing instance')).toEqual(['circuit-breaker']);
    expect(step('RateLimit: the 11th request in a second is answered 429')).toEqual(['rate-limit-local']);
    expect(step('Retry: a failing first try is retried')).toEqual(['retries']);
    expect(step('RetryBudget caps retries')).toEqual(['retry-budget']);
    expect(step('Timeout on ratings')).toEqual(['request-timeout']);
    expect(step('MutualTLS: plain text is refused')).toEqual(['mtls']);
    expect(step('Authorization: web may call api, others are denied')).toEqual(['authorization-source']);
    expect(step('AccessLog: requests are logged')).toEqual(['access-log']);
    expect(step('HealthCheck: an unhealthy instance is taken out')).toEqual(['health-check-active']);
    expect(step('FaultInjection delay: requests take 2 s')).toEqual(['fault-delay']);
    expect(step('FaultInjection abort: 503 for half')).toEqual(['fault-abort']);
    expect(step('ConnectionLimits: the 3rd concurrent request waits')).toEqual(['connection-limits']);
    expect(step('LoadBalancing: round robin over 3 instances')).toEqual(['load-balancing']);
    expect(step('canary route', 'v2 receives 10%')).toEqual(['traffic-split']);
    expect(step('step 3', 'requests with header x-user: test go to v2')).toEqual(['header-match']);
    expect(step('nothing known', 'nothing either')).toEqual([]);
    // The behaviour suite's own names: a SKIPPED step per unobservable feature is named by its title,
    // `split: <rule>` checks a split, `routing: <entry>` the pattern's routing features.
    expect(step('Access logs', 'Access logs behaves as the pattern says')).toEqual(['access-log']);
    expect(step('TLS termination at a gateway', 'x')).toEqual(['tls-termination']);
    expect(step('split: reviews/rule #1', 'of 400 requests to reviews/rule #1, each backend answers its share')).toEqual(['traffic-split']);
    const routing = { suite: 'behaviour' as const, name: 'routing: service reviews', assertion: 'a request built for each rule … (with its rewrite, redirect and header operations)' };
    expect(featuresOfStep(routing, { patternFeatures: ['traffic-split', 'header-match', 'path-match', 'request-timeout'] })).toEqual(['header-match', 'path-match']);
    expect(featuresOfStep(routing)).toEqual([]);
    // SMI suites are not behaviour suites: a title-named step there keeps its suite's feature.
    expect(featuresOfStep({ suite: 'smi-split', name: 'Metrics', assertion: '' })).toEqual(['traffic-split']);
  });

  it('tallies per feature, and a feature whose steps were all skipped measured nothing', () => {
    const steps = [...stepsOf(split!, 'PASSED'), ...stepsOf(access!, 'SKIPPED')];
    steps[3] = { ...steps[3]!, status: 'FAILED' };
    const t = tallyFeatures(steps);
    expect(t).toEqual([
      { feature: 'traffic-split', passed: 10, failed: 1, skipped: 0 },
      { feature: 'authorization-source', passed: 0, failed: 0, skipped: 7 },
    ]);
    expect(t.map(featureVerdict)).toEqual(['failed', null]);
    expect(featureVerdict({ passed: 2, failed: 0 })).toBe('passed');
  });
});
