/**
 * Conformance checks: start a run of the engine's suites (server/checks/conformance) against a
 * target, stream its progress (the shared run bus, `checks` namespace), store the result per
 * suite with its steps and per measured pattern feature, and read it back: runs, the JSON
 * export, the latest result per pattern (badges) and the compatibility matrix (declared +
 * measured).
 */
export { startCheckRun, type StartCheckRunOptions, type TStartedCheckRun } from './start-check-run';
export { watchCheckRun, type WatchCheckRunOptions } from './watch-check-run';
export { listCheckRuns, getCheckRun, exportCheckRun, type ListCheckRunsOptions } from './list-check-runs';
export { cancelCheckRun } from './cancel-check-run';
export { getLatestPatternCheck, type TPatternCheckDto, type TPatternCheckResult, type TPatternCheckStatus } from './latest-pattern-check';
export { getCompatibilityMatrix, type TCompatibilityMatrixDto, type TMatrixCellDto, type TMeasuredDto } from './compatibility-matrix';
export { featuresOfStep, tallyFeatures } from './features';
export * from './dto';
