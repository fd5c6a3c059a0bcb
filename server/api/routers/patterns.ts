import { z } from 'zod';
import { MESH_IDS, parsePattern } from '@/patterns/language';
import { createTRPCRouter, editorProcedure, publicProcedure } from '@/server/api/trpc';
import {
  createPattern,
  deletePattern,
  forkPattern,
  getPattern,
  listPatterns,
  listRevisions,
  revertPattern,
  searchCatalog,
  CATALOG_SORTS,
  updatePattern,
} from '@/server/services/patterns';

const ZName = z.string().min(1).max(63);
const ZText = z.string().max(8 * 1024 * 1024);
const ZVisibility = z.enum(['public', 'unlisted', 'private']);

export const patternsRouter = createTRPCRouter({
  list: publicProcedure
    .input(z.object({ query: z.string().max(200).optional(), category: z.string().max(40).optional() }).optional())
    .query(({ ctx, input }) => listPatterns({ db: ctx.db, actor: ctx.actor, ...input })),

  /** The browsable catalog: search, facet filters with counts, sort, mesh compatibility. */
  catalog: publicProcedure
    .input(
      z
        .object({
          q: z.string().max(200).optional(),
          categories: z.array(z.string().max(40)).max(20).optional(),
          tags: z.array(z.string().max(40)).max(30).optional(),
          meshes: z.array(z.enum(MESH_IDS)).max(MESH_IDS.length).optional(),
          sort: z.enum(CATALOG_SORTS).optional(),
        })
        .optional(),
    )
    .query(({ ctx, input }) => searchCatalog({ db: ctx.db, actor: ctx.actor, ...input })),

  get: publicProcedure.input(z.object({ name: ZName })).query(({ ctx, input }) => getPattern({ db: ctx.db, actor: ctx.actor, name: input.name })),

  /** Text → diagnostics; no sign-in, no writes. */
  validate: publicProcedure
    .input(z.object({ text: ZText }))
    .mutation(({ input }) => {
      const { ok, diagnostics } = parsePattern(input.text);
      return { ok, diagnostics };
    }),

  create: editorProcedure
    .input(z.object({ text: ZText, visibility: ZVisibility.default('private') }))
    .mutation(({ ctx, input }) => createPattern({ db: ctx.db, actor: ctx.actor, ...input })),

  update: editorProcedure
    .input(z.object({ name: ZName, text: ZText, expectedVersion: z.number().int().min(1), message: z.string().max(500).optional(), visibility: ZVisibility.optional() }))
    .mutation(({ ctx, input }) => updatePattern({ db: ctx.db, actor: ctx.actor, ...input })),

  fork: editorProcedure
    .input(z.object({ name: ZName, newName: ZName.optional() }))
    .mutation(({ ctx, input }) => forkPattern({ db: ctx.db, actor: ctx.actor, ...input })),

  delete: editorProcedure
    .input(z.object({ name: ZName }))
    .mutation(({ ctx, input }) => deletePattern({ db: ctx.db, actor: ctx.actor, name: input.name })),

  history: publicProcedure
    .input(z.object({ name: ZName }))
    .query(({ ctx, input }) => listRevisions({ db: ctx.db, actor: ctx.actor, name: input.name })),

  revert: editorProcedure
    .input(z.object({ name: ZName, revision: z.number().int().min(1), expectedVersion: z.number().int().min(1) }))
    .mutation(({ ctx, input }) => revertPattern({ db: ctx.db, actor: ctx.actor, ...input })),
});
