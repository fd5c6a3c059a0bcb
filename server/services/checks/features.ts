/**
 * Which pattern features (patterns/language/features.ts — the vocabulary adapters declare their
 * capabilities in) a conformance step measures, so measured results can sit beside the declared
 * ones in the compatibility matrix.
 *
 * - SMI suites: each suite measures its own features — smi-split → traffic-split, smi-access →
 *   authorization-source, smi-spec → authorization-request, plus method-match / path-match /
 *   header-match for the steps that name a method, a path or a header.
 * - GAMMA and behaviour steps: the features the step says it checks (`features` / `feature` on the
 *   result, when the engine passes them through), else a step named by a feature's title (the
 *   behaviour suite's SKIPPED "Access logs", "Metrics"…) is that feature, a behaviour
 *   `routing: <entry>` step covers the routing features of its pattern (given as context), and
 *   otherwise the first feature whose keywords the step's name names (policy kinds included:
 *   "CircuitBreaker: …" → circuit-breaker) — for behaviour steps then its assertion. A GAMMA step
 *   that names nothing known (the kind, the app) counts for traffic-split, the suite's core.
 */
import { FEATURE_IDS, FEATURES, type TFeature } from '@/patterns/language/features';
import type { TStepResult, TSuiteId } from '@/server/checks/conformance/types';

/** Keyword rules, most specific first (the first match wins for GAMMA and behaviour steps). */
const RULES: readonly [RegExp, TFeature][] = [
  [/retry[\s-]?budget/i, 'retry-budget'],
  [/per[\s-]?try/i, 'per-try-timeout'],
  [/\bretr(y|ies|ied)\b|\bRetry/i, 'retries'],
  [/circuit|outlier|eject/i, 'circuit-breaker'],
  [/connection[\s-]?limit|bulkhead|max[\s-]?(connections|requests|pending)/i, 'connection-limits'],
  [/global[\s-]?rate[\s-]?limit|rate[\s-]?limit.*global/i, 'rate-limit-global'],
  [/rate[\s-]?limit|\b429\b|too many requests/i, 'rate-limit-local'],
  [/passive[\s-]?health/i, 'health-check-passive'],
  [/health[\s-]?check/i, 'health-check-active'],
  [/locality|failover/i, 'locality-failover'],
  [/fault.*delay|delay.*fault|injected delay|\bdelay/i, 'fault-delay'],
  [/fault|abort/i, 'fault-abort'],
  [/timeout|timed? out/i, 'request-timeout'],
  [/mirror/i, 'mirroring'],
  [/rewrite/i, 'rewrite'],
  [/redirect/i, 'redirect'],
  [/header[\s-]?(modif|add|set|remov)|(add|set|remove)s? (a |the )?(request |response )?header/i, 'header-modification'],
  [/session[\s-]?affinity|sticky/i, 'session-affinity'],
  [/load[\s-]?balanc|round[\s-]?robin|least[\s-]?(request|conn)/i, 'load-balancing'],
  [/mutual[\s-]?tls|\bmtls\b|client cert/i, 'mtls'],
  [/access[\s-]?log/i, 'access-log'],
  [/trac(e|ing)\b|traceparent|span/i, 'tracing'],
  [/metric/i, 'metrics'],
  [/authori[sz]ation.*(path|method)|(path|method).*(allowed|denied|forbidden)/i, 'authorization-request'],
  [/authori[sz]|allow|deny|denied|forbidden|access|\b403\b/i, 'authorization-source'],
  [/split|weight|canary|blue[\s-]?green|shift/i, 'traffic-split'],
  [/header/i, 'header-match'],
  [/query/i, 'query-match'],
  [/method|\b(GET|POST|PUT|DELETE|PATCH)\b/, 'method-match'],
  [/\bpaths?\b|prefix|(^|[\s'"(])\/[\w*]/i, 'path-match'],
  [/from (the )?(service|caller|source)|source[\s-]?match|by source/i, 'source-match'],
  [/another service|cross[\s-]?service|other service/i, 'cross-service-routing'],
  [/ingress/i, 'ingress-gateway'],
  [/egress/i, 'egress-gateway'],
  [/external/i, 'external-services'],
  [/passthrough/i, 'tls-passthrough'],
  [/tls|https/i, 'tls-termination'],
  [/grpc/i, 'grpc'],
  [/\btcp\b/i, 'tcp'],
];

/**
 * The features a suite always measures, those its steps may add by naming them, what a step that
 * names nothing counts for, and whether the assertion is read too (GAMMA's "kind is available"
 * step lists every feature in its assertion: its name decides).
 */
const SUITES: Record<TSuiteId, { base: TFeature[]; extra: TFeature[] | 'any'; fallback: TFeature[]; readAssertion: boolean }> = {
  'smi-split': { base: ['traffic-split'], extra: [], fallback: [], readAssertion: false },
  'smi-access': { base: ['authorization-source'], extra: [], fallback: [], readAssertion: false },
  'smi-spec': { base: ['authorization-request'], extra: ['method-match', 'path-match', 'header-match'], fallback: [], readAssertion: true },
  gamma: { base: [], extra: 'any', fallback: ['traffic-split'], readAssertion: false },
  behaviour: { base: [], extra: 'any', fallback: [], readAssertion: true },
};

/** What a behaviour `routing:` step checks of its pattern: how requests are matched and where they go. */
const ROUTING_FEATURES: readonly TFeature[] = ['header-match', 'path-match', 'method-match', 'query-match', 'source-match', 'cross-service-routing', 'rewrite', 'redirect', 'header-modification', 'ingress-gateway'];

const BY_TITLE = new Map<string, TFeature>(FEATURE_IDS.map((f) => [FEATURES[f].title.toLowerCase(), f]));

export interface TStepContext {
  /** The features of the pattern the suite ran (behaviour suites). */
  patternFeatures?: readonly TFeature[];
}

function isFeature(v: unknown): v is TFeature {
  return typeof v === 'string' && (FEATURE_IDS as readonly string[]).includes(v);
}

/** The features `step` of suite `suite` measures (possibly none). */
export function featuresOfStep(step: Pick<TStepResult, 'suite' | 'name' | 'assertion'> & { feature?: unknown; features?: unknown }, ctx: TStepContext = {}): TFeature[] {
  const def = SUITES[step.suite];
  if (!def) return [];
  // A step that says which feature it checks is taken at its word.
  const declared = [step.feature, ...(Array.isArray(step.features) ? step.features : [])].filter(isFeature);
  if (declared.length > 0) return [...new Set(declared)];
  const titled = BY_TITLE.get(step.name.trim().toLowerCase());
  if (titled && def.extra === 'any') return [titled];
  if (step.suite === 'behaviour' && /^routing\b/i.test(step.name)) return ctx.patternFeatures ? ROUTING_FEATURES.filter((f) => ctx.patternFeatures!.includes(f)) : [];
  const texts = def.readAssertion ? [step.name, step.assertion] : [step.name];
  if (def.extra === 'any') {
    for (const text of texts) {
      const hit = RULES.find(([re]) => re.test(text));
      if (hit) return [hit[1]];
    }
    return def.fallback;
  }
  const extra = def.extra.filter((f) => RULES.some(([re, feature]) => feature === f && texts.some((t) => re.test(t))));
  return [...def.base, ...extra];
}

export interface TFeatureTally {
  feature: TFeature;
  passed: number;
  failed: number;
  skipped: number;
}

/** Per feature, how many of `steps` measuring it passed, failed or were skipped (FEATURES order); `ctxOf` gives each step's context. */
export function tallyFeatures(steps: readonly TStepResult[], ctxOf: (step: TStepResult) => TStepContext = () => ({})): TFeatureTally[] {
  const byFeature = new Map<TFeature, TFeatureTally>();
  for (const step of steps) {
    for (const feature of featuresOfStep(step, ctxOf(step))) {
      const t = byFeature.get(feature) ?? { feature, passed: 0, failed: 0, skipped: 0 };
      if (step.status === 'PASSED') t.passed += 1;
      else if (step.status === 'FAILED') t.failed += 1;
      else t.skipped += 1;
      byFeature.set(feature, t);
    }
  }
  return FEATURE_IDS.flatMap((f) => byFeature.get(f) ?? []);
}

/** {@link tallyFeatures} over every step of `suites`, each suite's steps with that suite's context. */
export function tallySuites(suites: readonly { pattern?: string; steps: readonly TStepResult[] }[], ctxOf: (suite: { pattern?: string }) => TStepContext = () => ({})): TFeatureTally[] {
  const sum = new Map<TFeature, TFeatureTally>();
  for (const suite of suites) {
    const ctx = ctxOf(suite);
    for (const t of tallyFeatures(suite.steps, () => ctx)) {
      const had = sum.get(t.feature) ?? { feature: t.feature, passed: 0, failed: 0, skipped: 0 };
      sum.set(t.feature, { feature: t.feature, passed: had.passed + t.passed, failed: had.failed + t.failed, skipped: had.skipped + t.skipped });
    }
  }
  return FEATURE_IDS.flatMap((f) => sum.get(f) ?? []);
}

/** A tally's verdict: any failure fails; otherwise a pass passes; all skipped measured nothing. */
export function featureVerdict(t: { passed: number; failed: number }): 'passed' | 'failed' | null {
  if (t.failed > 0) return 'failed';
  if (t.passed > 0) return 'passed';
  return null;
}
