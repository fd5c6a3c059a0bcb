/**
 * Conformance checks. Access:
 * - `matrix`, `latestByPattern`: anyone (patterns they may see; measured results carry no
 *   pattern text, only counts, date, target and versions);
 * - `list`, `get`, `export`, `progress`: signed in, any role (runs for a private pattern only
 *   for its owner and admins);
 * - `start`, `cancel`: operators and admins (a run deploys to the target).
 */
import { tracked, TRPCError } from '@trpc/server';
import { z } from 'zod';
import { createTRPCRouter, operatorProcedure, protectedProcedure, publicProcedure } from '@/server/api/trpc';
import {
  cancelCheckRun,
  CHECK_SUITE_GROUPS,
  exportCheckRun,
  getCheckRun,
  getCompatibilityMatrix,
  getLatestPatternCheck,
  listCheckRuns,
  startCheckRun,
  watchCheckRun,
} from '@/server/services/checks';
import { ServiceError } from '@/server/services/errors';
import { TARGET_IDS } from '@/server/targets/registry';

const ZId = z.string().min(1).max(64);
const ZName = z.string().min(1).max(63);

const ZStartInput = z
  .object({
    target: z.enum(TARGET_IDS).optional(),
    suites: z.array(z.enum(CHECK_SUITE_GROUPS)).min(1).max(3).optional(),
    /** The behaviour suite for this saved pattern only. */
    pattern: ZName.optional(),
    /** The behaviour suite for what this deployment runs (a check after a deploy). */
    deploymentId: ZId.optional(),
  })
  .refine((v) => v.pattern === undefined || v.deploymentId === undefined, { message: 'Give a pattern or a deployment, not both.' });

export const checksRouter = createTRPCRouter({
  /** Starts a run; returns its id at once (watch it with `progress`). */
  start: operatorProcedure.input(ZStartInput).mutation(async ({ ctx, input }) => {
    const { runId } = await startCheckRun({ db: ctx.db, actor: ctx.actor, ...input });
    return { runId };
  }),

  /** Stops a run in progress after its current step; its `end` event follows. */
  cancel: operatorProcedure.input(z.object({ id: ZId })).mutation(({ ctx, input }) => cancelCheckRun({ db: ctx.db, actor: ctx.actor, id: input.id })),

  /**
   * A run's progress over Server-Sent Events: suite starts, one event per finished step, suite
   * ends, then `end` with the run's record. Reconnects resume after `lastEventId`.
   */
  progress: protectedProcedure.input(z.object({ runId: ZId, lastEventId: z.string().max(20).nullish() })).subscription(async function* ({ ctx, input, signal }) {
    const after = Number(input.lastEventId ?? 0) || 0;
    // Errors thrown here happen while the stream runs, past the middleware that maps service errors.
    const events = await watchCheckRun({ db: ctx.db, actor: ctx.actor, runId: input.runId, after, signal }).catch((e: unknown) => {
      throw e instanceof ServiceError ? new TRPCError({ code: e.code, message: e.message, cause: e }) : e;
    });
    for await (const event of events) yield tracked(String(event.seq), event);
  }),

  list: protectedProcedure
    .input(z.object({ patternName: ZName.optional(), target: z.enum(TARGET_IDS).optional(), limit: z.number().int().min(1).max(200).optional() }).optional())
    .query(({ ctx, input }) => listCheckRuns({ db: ctx.db, actor: ctx.actor, ...input })),

  get: protectedProcedure.input(z.object({ id: ZId })).query(({ ctx, input }) => getCheckRun({ db: ctx.db, actor: ctx.actor, id: input.id })),

  /** The finished run as JSON: the engine's TCheckRun exactly, plus `id`. */
  export: protectedProcedure.input(z.object({ id: ZId })).query(({ ctx, input }) => exportCheckRun({ db: ctx.db, actor: ctx.actor, id: input.id })),

  /** The latest behaviour result of a pattern (its badge), overall and per target × mesh. */
  latestByPattern: publicProcedure.input(z.object({ pattern: ZName })).query(({ ctx, input }) => getLatestPatternCheck({ db: ctx.db, actor: ctx.actor, pattern: input.pattern })),

  /** Mesh × feature, declared and measured; with `pattern`, that pattern's features measured by its own runs. */
  matrix: publicProcedure
    .input(z.object({ pattern: ZName.optional() }).optional())
    .query(({ ctx, input }) => getCompatibilityMatrix({ db: ctx.db, actor: ctx.actor, ...(input?.pattern ? { pattern: input.pattern } : {}) })),
});
