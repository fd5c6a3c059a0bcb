/**
 * The conformance contract. A suite is a list of named steps with assertions, run in order
 * against a deployment on a target (the sandbox by default). Steps observe real traffic through
 * a probe — the sample workloads calling each other through the mesh and counting what they
 * received — never the configuration alone. Every result says what was expected and what was
 * observed, so a failure explains itself.
 *
 * Suites (server/checks/conformance/suites/): SMI traffic access (7 steps), traffic spec (6),
 * traffic split (11), the same traffic behaviours through Gateway API (GAMMA) HTTPRoutes, and a
 * behaviour suite per catalog pattern (one check per policy kind it uses).
 */
import type { TMeshId } from '@/patterns/language/schema';
import type { TTargetId } from '@/server/targets/types';

export type TStepStatus = 'PASSED' | 'FAILED' | 'SKIPPED';
/** Per suite: FULL = every step passed, PARTIAL = some passed, NONE = none passed (or all skipped). */
export type TCapabilityLevel = 'FULL' | 'PARTIAL' | 'NONE';
export type TSuiteId = 'smi-access' | 'smi-spec' | 'smi-split' | 'gamma' | 'behaviour';
/** `--suite` of the CLI: smi = the three SMI suites. */
export type TSuiteGroup = 'smi' | 'gamma' | 'behaviour';

export interface TStepResult {
  suite: TSuiteId;
  /** The specification the step checks, e.g. `SMI traffic access v1alpha3`, `Gateway API v1 (GAMMA)`, `Meshloom pattern v1alpha1`. */
  specVersion: string;
  /** 1-based position in its suite. */
  index: number;
  name: string;
  /** What must hold, in words: "b received exactly 1 request, from a". */
  assertion: string;
  status: TStepStatus;
  durationMs: number;
  /** For FAILED: what was expected and what was observed. For SKIPPED: why. */
  expected?: string;
  observed?: string;
  reason?: string;
}

export interface TSuiteResult {
  suite: TSuiteId;
  title: string;
  specVersion: string;
  /** The pattern the suite ran against (behaviour suites: one result per catalog pattern). */
  pattern?: string;
  capability: TCapabilityLevel;
  steps: TStepResult[];
  durationMs: number;
}

export interface TCheckRun {
  target: TTargetId;
  mesh: TMeshId;
  /** Versions of what ran: meshloom, node, haproxy (sandbox) or the cluster's. */
  versions: Record<string, string>;
  startedAt: string;
  finishedAt: string;
  suites: TSuiteResult[];
  totals: { passed: number; failed: number; skipped: number };
}

/** Progress while a run goes: one event per finished step (the CLI prints one line each). */
export type TCheckProgress = { type: 'suite-start'; suite: TSuiteId; title: string; pattern?: string } | { type: 'step'; result: TStepResult } | { type: 'suite-end'; result: TSuiteResult };

export interface TCheckOptions {
  target: TTargetId;
  /** Which suites (default all three groups). */
  suites?: TSuiteGroup[];
  /** Behaviour suite: only these pattern files/texts (default: every catalog pattern). */
  patterns?: { name: string; text: string }[];
  onProgress?: (p: TCheckProgress) => void;
  signal?: AbortSignal;
}

/** One request's outcome as the probe saw it. */
export interface TCallResult {
  status: number;
  /** The answering workload (from the sample app's reply), when it answered. */
  service?: string;
  version?: string;
  instance?: string;
  ms: number;
  headers: Record<string, string>;
  body: unknown;
}

/** How steps observe a running deployment (implemented per target; the sandbox reads its own state). */
export interface TProbe {
  /**
   * `from` = a service: its sample workload calls `to` through the mesh (`/call/<to>/<path>`), so
   * the mesh sees that caller; `from` = null: a request from outside to `to`'s entry listener.
   */
  call(from: string | null, to: string, req?: { path?: string; method?: string; headers?: Record<string, string> }): Promise<TCallResult>;
  /** Requests `service`'s workloads received, per calling service: in total and per version. */
  counts(service: string): Promise<{ total: Record<string, number>; byVersion: Record<string, Record<string, number>> }>;
  /** Zeroes every workload's counts. */
  resetCounts(): Promise<void>;
  /** Entry URL per service (loopback). */
  endpoints: Record<string, string>;
}

/** What a step can do: (re)deploy pattern text under the suite's deployment, and probe it. */
export interface TSuiteContext {
  /** Applies the pattern text (a change to the running deployment when one exists) and returns its probe. */
  deploy(text: string): Promise<TProbe>;
  /** The probe of the current deployment (throws when nothing is deployed). */
  probe(): TProbe;
  undeploy(): Promise<void>;
  signal?: AbortSignal;
}

export type TStepOutcome = { status: 'PASSED'; observed?: string } | { status: 'FAILED'; expected: string; observed: string } | { status: 'SKIPPED'; reason: string };

export interface TStepDef {
  name: string;
  assertion: string;
  run(ctx: TSuiteContext): Promise<TStepOutcome>;
}

export interface TSuiteDef {
  id: TSuiteId;
  title: string;
  specVersion: string;
  pattern?: string;
  /** Steps run in order; after a FAILED step the suite goes on (later steps may still pass or skip). */
  steps: TStepDef[];
}
