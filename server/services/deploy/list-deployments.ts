import type { Db } from '@/server/db';
import type { Actor } from '../types';
import type { TDeploymentDetailDto, TDeploymentDto } from './dto';
import { canSeeDeployment, deploymentInclude, findVisibleDeployment, runInclude, toDeploymentDto, toRunDto } from './shared';

export interface ListDeploymentsOptions {
  db: Db;
  actor: Actor;
  /** Only the deployments of this pattern. */
  patternName?: string;
}

/** Deployments, most recently changed first (deleted ones included: their history stays). */
export async function listDeployments({ db, actor, patternName }: ListDeploymentsOptions): Promise<TDeploymentDto[]> {
  const rows = await db.deployment.findMany({
    where: patternName ? { patternName } : {},
    include: deploymentInclude,
    orderBy: { updatedAt: 'desc' },
    take: 200,
  });
  return rows.filter((r) => canSeeDeployment(actor, r)).map(toDeploymentDto);
}

/** One deployment with its recent runs (plans included), newest first. */
export async function getDeployment({ db, actor, id }: { db: Db; actor: Actor; id: string }): Promise<TDeploymentDetailDto> {
  const row = await findVisibleDeployment(db, actor, id);
  const runs = await db.deploymentRun.findMany({ where: { deploymentId: row.id }, orderBy: { startedAt: 'desc' }, take: 50, include: runInclude });
  return { ...toDeploymentDto(row), runs: runs.map(toRunDto) };
}
