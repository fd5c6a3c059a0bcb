// Internal helpers of the deploy services: row → DTO, visibility, pattern and target resolution.
import { parsePattern, type TDiagnostic, type TPattern } from '@/patterns/language';
import { MESH_IDS, type TMeshId } from '@/patterns/language/schema';
import type { Db, Prisma } from '@/server/db';
import { getTarget, isTargetId } from '@/server/targets/registry';
import type { TObjectOutcome, TTarget, TTargetId } from '@/server/targets/types';
import { ServiceError } from '../errors';
import { canSee, findVisible } from '../patterns/shared';
import type { Actor } from '../types';
import {
  parseJson,
  redact,
  safeEndpoints,
  toError,
  toOutcome,
  type TDeploymentDto,
  type TDeploymentStatus,
  type TRunDto,
  type TRunKind,
  type TRunState,
} from './dto';
import { isRunning, lockedBy, lockKey } from './events';

// ---- rows → DTOs ----------------------------------------------------------------------------

export const runInclude = { actor: { select: { name: true } } } as const;
export type RunRow = Prisma.DeploymentRunGetPayload<{ include: typeof runInclude }>;

export const deploymentInclude = {
  createdBy: { select: { name: true } },
  pattern: { select: { visibility: true, ownerId: true, version: true } },
  runs: { where: { kind: { not: 'plan' } }, orderBy: { startedAt: 'desc' }, take: 1, include: runInclude },
} as const satisfies Prisma.DeploymentInclude;
export type DeploymentRow = Prisma.DeploymentGetPayload<{ include: typeof deploymentInclude }>;

export function runState(row: { id: string; ok: boolean | null; finishedAt: Date | null }): TRunState {
  if (row.finishedAt === null) return isRunning(row.id) ? 'running' : 'interrupted';
  return row.ok ? 'succeeded' : 'failed';
}

export function toRunDto(row: RunRow): TRunDto {
  const outcomes = parseJson<TObjectOutcome[]>(row.outcomes, []);
  return {
    id: row.id,
    deploymentId: row.deploymentId,
    kind: row.kind as TRunKind,
    actor: row.actor?.name ?? null,
    patternVersion: row.patternVersion,
    state: runState(row),
    ok: row.ok,
    changed: row.changed,
    error: row.errorCode || row.errorMessage ? toError({ code: row.errorCode ?? '', message: row.errorMessage ?? '', ...(row.errorHint ? { hint: row.errorHint } : {}) }) : null,
    outcomes: Array.isArray(outcomes) ? outcomes.map(toOutcome) : [],
    summary: parseJson<Record<string, number>>(row.summary, {}),
    startedAt: row.startedAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}

export function toDeploymentDto(row: DeploymentRow): TDeploymentDto {
  const last = row.runs[0];
  return {
    id: row.id,
    name: row.name,
    patternName: row.patternName,
    patternVersion: row.patternVersion,
    latestVersion: row.pattern?.version ?? null,
    target: row.target as TTargetId,
    mesh: row.mesh,
    status: row.status as TDeploymentStatus,
    endpoints: safeEndpoints(parseJson(row.endpoints, {})),
    params: parseJson<Record<string, unknown>>(row.params, {}),
    createdBy: row.createdBy?.name ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    lastRun: last ? toRunDto(last) : null,
    activeRunId: lockedBy(lockKey(row)) ?? null,
  };
}

// ---- visibility ------------------------------------------------------------------------------

/**
 * Deployments are visible to every signed-in user, except those of a private pattern, which
 * only its owner and admins see (like the pattern itself). Pattern text deployed without saving
 * has no pattern row and is visible to all signed-in users.
 */
export function canSeeDeployment(actor: Actor, row: { pattern: { visibility: string; ownerId: string | null } | null }): boolean {
  if (!actor) return false;
  return row.pattern === null || canSee(actor, row.pattern);
}

export async function findVisibleDeployment(db: Db, actor: Actor, id: string): Promise<DeploymentRow> {
  const row = await db.deployment.findUnique({ where: { id }, include: deploymentInclude });
  if (!row || !canSeeDeployment(actor, row)) throw new ServiceError('NOT_FOUND', 'No such deployment.', undefined, { errorCode: 'ML7006' });
  return row;
}

/**
 * The deployment a plan or deploy of `key` would update, if any. A deployment of a pattern the
 * actor cannot see (deploying text under a private pattern's name) is refused, not replaced.
 */
export async function findExistingDeployment(db: Db, actor: Actor, key: { target: string; mesh: string; name: string }) {
  const row = await db.deployment.findUnique({
    where: { target_mesh_name: key },
    select: { id: true, status: true, pattern: { select: { visibility: true, ownerId: true } } },
  });
  if (row && !canSeeDeployment(actor, row)) {
    throw new ServiceError('CONFLICT', `The name "${key.name}" is taken on ${key.target} (${key.mesh}) by a deployment you cannot see; give the pattern another metadata.name.`);
  }
  return row;
}

// ---- the pattern to deploy -------------------------------------------------------------------

/** What to deploy: a saved pattern (by name, optionally an older version) or pattern text. */
export interface TPatternSource {
  /** A saved pattern's name. */
  pattern?: string;
  /** Pattern text (not saved); used when `pattern` is absent. */
  text?: string;
  /** The saved version (revision number) to deploy; default the current one. */
  version?: number;
  /** Parameter values; they override the pattern's defaults. */
  params?: Record<string, string | number | boolean>;
}

export interface TResolvedSource {
  text: string;
  params: Record<string, string | number | boolean>;
  patternName: string;
  patternId: string | null;
  patternVersion: number | null;
  pattern: TPattern;
}

/** The pattern to deploy, resolved (parameters substituted, includes merged); ML7003 with the diagnostics when it has errors. */
export async function resolveSource(db: Db, actor: Actor, source: TPatternSource): Promise<TResolvedSource> {
  let text: string;
  let patternId: string | null = null;
  let patternVersion: number | null = null;
  if (source.pattern !== undefined) {
    const row = await findVisible(db, actor, source.pattern);
    patternId = row.id;
    if (source.version === undefined || source.version === row.version) {
      text = row.text;
      patternVersion = row.version;
    } else {
      const revision = await db.revision.findUnique({ where: { patternId_number: { patternId: row.id, number: source.version } } });
      if (!revision) throw new ServiceError('NOT_FOUND', `Pattern "${row.name}" has no version ${source.version}.`);
      text = revision.text;
      patternVersion = revision.number;
    }
  } else if (source.text !== undefined) {
    text = source.text;
  } else {
    throw new ServiceError('BAD_REQUEST', 'Say what to deploy: a pattern name or pattern text.');
  }
  const params = source.params ?? {};
  return { ...(await resolveText(db, actor, text, params)), text, params, patternId, patternVersion };
}

/** Parses text with includes from the patterns the actor can see; ML7003 when it does not render. */
export async function resolveText(db: Db, actor: Actor, text: string, params: Record<string, unknown>): Promise<{ pattern: TPattern; patternName: string }> {
  const includes = await loadIncludes(db, actor, text);
  const parsed = parsePattern(text, { params, loadInclude: (n) => includes.get(n) });
  if (!parsed.ok || !parsed.pattern) throw renderError(parsed.diagnostics);
  return { pattern: parsed.pattern, patternName: parsed.pattern.metadata.name };
}

function renderError(diagnostics: TDiagnostic[]): ServiceError {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const first = errors[0] ?? diagnostics[0];
  return new ServiceError(
    'BAD_REQUEST',
    `ML7003: the pattern does not render: ${errors.length || 1} error(s)${first ? `; first: ${first.code} ${first.message}${first.line ? ` (line ${first.line})` : ''}` : ''}.`,
    diagnostics,
    { errorCode: 'ML7003', hint: 'Fix the pattern’s errors (open it in the designer to see them), save it, then deploy.' },
  );
}

/** The texts of the patterns `text` includes (recursively, up to a bound), that the actor may see. */
async function loadIncludes(db: Db, actor: Actor, text: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const names = (t: string) => [...t.matchAll(/pattern:\s*["']?([a-z0-9-]+)/g)].map((m) => m[1]!);
  let wanted = new Set(names(text));
  for (let round = 0; round < 5 && wanted.size > 0 && found.size < 50; round++) {
    const rows = await db.pattern.findMany({ where: { name: { in: [...wanted].slice(0, 50) } }, select: { name: true, text: true, visibility: true, ownerId: true } });
    const next = new Set<string>();
    for (const r of rows) {
      if (found.has(r.name) || !canSee(actor, r)) continue;
      found.set(r.name, r.text);
      for (const n of names(r.text)) if (!found.has(n)) next.add(n);
    }
    wanted = next;
  }
  return found;
}

// ---- targets -----------------------------------------------------------------------------

/** The target, when it is available here and runs `mesh`; ML7001 / ML7002 otherwise. */
export async function requireTarget(id: string, mesh: string): Promise<TTarget> {
  const target = await loadTarget(id);
  let availability: Awaited<ReturnType<TTarget['available']>>;
  try {
    availability = await target.available();
  } catch (e) {
    availability = { ok: false, reason: e instanceof Error ? e.message : String(e) };
  }
  if (!availability.ok) {
    throw new ServiceError('PRECONDITION_FAILED', `ML7001: ${target.title} is not available here: ${redact(availability.reason)}`, undefined, { errorCode: 'ML7001' });
  }
  if (!isMeshId(mesh) || !target.meshes.includes(mesh)) {
    throw new ServiceError('BAD_REQUEST', `ML7002: ${target.title} cannot run the mesh "${mesh}"; it runs ${target.meshes.join(', ')}.`, undefined, { errorCode: 'ML7002' });
  }
  return target;
}

export async function loadTarget(id: string): Promise<TTarget> {
  if (!isTargetId(id)) throw new ServiceError('BAD_REQUEST', `Unknown target "${id}".`);
  try {
    return await getTarget(id);
  } catch (e) {
    throw new ServiceError('PRECONDITION_FAILED', `ML7001: the ${id} target could not be loaded: ${redact(e instanceof Error ? e.message : String(e))}`, undefined, { errorCode: 'ML7001' });
  }
}

function isMeshId(id: string): id is TMeshId {
  return (MESH_IDS as readonly string[]).includes(id);
}

/**
 * Rethrows what a target operation threw: a coded ML7xxx error as a ServiceError (targets return
 * `ok: false` for expected failures of apply/delete/rollback, but plan/status/drift can only
 * throw), anything else as is (the router reports it as an internal error, the server logs it).
 */
export function rethrowTargetError(e: unknown): never {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^ML7\d{3}$/.test(code)) {
    const message = redact(e instanceof Error ? e.message : String(e));
    const kind = code === 'ML7001' ? 'PRECONDITION_FAILED' : code === 'ML7006' ? 'NOT_FOUND' : code === 'ML7004' ? 'CONFLICT' : 'BAD_REQUEST';
    throw new ServiceError(kind, message.startsWith(code) ? message : `${code}: ${message}`, undefined, { errorCode: code });
  }
  throw e;
}
