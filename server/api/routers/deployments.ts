/**
 * The deploy flow. Access:
 * - `targets`: anyone (ids, titles, meshes, availability — no paths, no secrets);
 * - `list`, `get`, `progress`, `status`, `drift`, `logs`: signed in, any role (deployments of a
 *   private pattern only for its owner and admins);
 * - `plan`, `deploy`, `undeploy`, `rollback`: operators and admins.
 */
import { tracked } from '@trpc/server';
import { z } from 'zod';
import { MESH_IDS } from '@/patterns/language/schema';
import { createTRPCRouter, operatorProcedure, protectedProcedure, publicProcedure } from '@/server/api/trpc';
import {
  checkDeploymentDrift,
  deployPattern,
  getDeployment,
  getDeploymentLogs,
  getDeploymentStatus,
  listDeployments,
  listTargets,
  planDeployment,
  rollbackRun,
  undeployDeployment,
  watchRun,
} from '@/server/services/deploy';
import { TARGET_IDS } from '@/server/targets/registry';

const ZId = z.string().min(1).max(64);
const ZName = z.string().min(1).max(63);

/** What to deploy: a saved pattern by name (optionally a version), or pattern text; with parameter values. */
const ZDeployInput = z
  .object({
    target: z.enum(TARGET_IDS),
    mesh: z.enum(MESH_IDS),
    pattern: ZName.optional(),
    version: z.number().int().min(1).optional(),
    text: z.string().max(8 * 1024 * 1024).optional(),
    params: z.record(z.string().max(64), z.union([z.string().max(1000), z.number(), z.boolean()])).optional(),
  })
  .refine((v) => (v.pattern === undefined) !== (v.text === undefined), { message: 'Give either a pattern name or pattern text.' })
  .refine((v) => v.version === undefined || v.pattern !== undefined, { message: 'A version needs a pattern name.' });

export const deploymentsRouter = createTRPCRouter({
  /** Every target with its meshes and whether it can be used on this server, and why not. */
  targets: publicProcedure.query(() => listTargets()),

  list: protectedProcedure
    .input(z.object({ patternName: ZName.optional() }).optional())
    .query(({ ctx, input }) => listDeployments({ db: ctx.db, actor: ctx.actor, ...input })),

  get: protectedProcedure.input(z.object({ id: ZId })).query(({ ctx, input }) => getDeployment({ db: ctx.db, actor: ctx.actor, id: input.id })),

  /** What deploying would change, per object with diffs. Changes nothing. */
  plan: operatorProcedure.input(ZDeployInput).mutation(({ ctx, input }) => planDeployment({ db: ctx.db, actor: ctx.actor, ...input })),

  /** Starts a deploy; returns its run id at once (watch it with `progress`). */
  deploy: operatorProcedure.input(ZDeployInput).mutation(async ({ ctx, input }) => {
    const { runId, deploymentId } = await deployPattern({ db: ctx.db, actor: ctx.actor, ...input });
    return { runId, deploymentId };
  }),

  /** Removes a deployment from its target; returns the run id. */
  undeploy: operatorProcedure.input(z.object({ id: ZId })).mutation(async ({ ctx, input }) => {
    const { runId, deploymentId } = await undeployDeployment({ db: ctx.db, actor: ctx.actor, id: input.id });
    return { runId, deploymentId };
  }),

  /** Undoes a failed deploy run (what it applied); returns the new run's id. */
  rollback: operatorProcedure.input(z.object({ runId: ZId })).mutation(async ({ ctx, input }) => {
    const { runId, deploymentId } = await rollbackRun({ db: ctx.db, actor: ctx.actor, runId: input.runId });
    return { runId, deploymentId };
  }),

  /**
   * A run's progress over Server-Sent Events: the events so far, then live ones; ends with the
   * `end` event (the run's record). Reconnects resume after `lastEventId`.
   */
  progress: protectedProcedure.input(z.object({ runId: ZId, lastEventId: z.string().max(20).nullish() })).subscription(async function* ({ ctx, input, signal }) {
    const after = Number(input.lastEventId ?? 0) || 0;
    const events = await watchRun({ db: ctx.db, actor: ctx.actor, runId: input.runId, after, signal });
    for await (const event of events) yield tracked(String(event.seq), event);
  }),

  status: protectedProcedure.input(z.object({ id: ZId })).query(({ ctx, input }) => getDeploymentStatus({ db: ctx.db, actor: ctx.actor, id: input.id })),

  drift: protectedProcedure.input(z.object({ id: ZId })).query(({ ctx, input }) => checkDeploymentDrift({ db: ctx.db, actor: ctx.actor, id: input.id })),

  logs: protectedProcedure
    .input(z.object({ id: ZId, tail: z.number().int().min(1).max(1000).optional() }))
    .query(({ ctx, input }) => getDeploymentLogs({ db: ctx.db, actor: ctx.actor, id: input.id, ...(input.tail ? { tail: input.tail } : {}) })),
});
