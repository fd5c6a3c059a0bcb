/**
 * Conformance checks: suites of named steps run against a deployment on a target, observing real
 * traffic (types.ts is the contract). `runChecks` runs the groups of suites on a target; the UI,
 * the database and the CLI (`meshloom check conformance`) all go through it.
 */
export { ALL_GROUPS, createSuiteContext, deploymentNameFor, meshFor, runChecks, runSuite, SkipStep, type TConformanceContext } from './engine';
export { behaviourSuite, gammaSuite, smiAccessSuite, smiSpecSuite, smiSplitSuite, suitesFor } from './suites';
export type { TSmiSplitOptions, TWeights } from './suites/smi-split';
export * from './types';
