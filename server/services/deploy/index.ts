/**
 * The deploy flow: plan → deploy → status/drift/logs → undeploy, and rollback of a failed
 * deploy. Targets are reached only through the contract in server/targets/types.ts (via the
 * registry); every operation that changes a target is a recorded run (DeploymentRun) whose
 * progress streams through an in-process event bus keyed by run id.
 */
export { listTargets, type TTargetInfo } from './list-targets';
export { planDeployment, type PlanDeploymentOptions } from './plan-deployment';
export { deployPattern, type DeployPatternOptions } from './deploy-pattern';
export { undeployDeployment, type UndeployDeploymentOptions } from './undeploy-deployment';
export { rollbackRun, type RollbackRunOptions } from './rollback-run';
export { getDeploymentStatus, checkDeploymentDrift, getDeploymentLogs, type InspectDeploymentOptions } from './inspect-deployment';
export { listDeployments, getDeployment, type ListDeploymentsOptions } from './list-deployments';
export { watchRun, type WatchRunOptions } from './watch-run';
export type { TStartedRun } from './run';
export * from './dto';
