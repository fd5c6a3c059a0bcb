import { z } from 'zod';
import { FEATURE_IDS, FEATURES } from '@/patterns/language/features';
import { MESH_IDS } from '@/patterns/language/schema';
import { createTRPCRouter, publicProcedure } from '@/server/api/trpc';
import { ADAPTERS } from '@/server/adapters/registry';
import { importManifests } from '@/server/import';
import { renderText } from '@/server/services/render/render-text';

const ZText = z.string().max(8 * 1024 * 1024);

export const meshesRouter = createTRPCRouter({
  /** Every mesh with its declared capability per feature (the compatibility matrix). */
  list: publicProcedure.query(() => ({
    features: FEATURE_IDS.map((id) => ({ id, ...FEATURES[id] })),
    meshes: MESH_IDS.map((id) => ({ id, title: ADAPTERS[id].title, targets: ADAPTERS[id].targets, capabilities: ADAPTERS[id].capabilities })),
  })),

  /** Pattern text → one mesh's manifests and diagnostics. Pure: no sign-in, nothing stored. */
  render: publicProcedure
    .input(z.object({ text: ZText, mesh: z.enum(MESH_IDS), workloads: z.boolean().optional() }))
    .query(({ ctx, input }) => renderText({ db: ctx.db, ...input })),

  /** Mesh manifests or Meshery designs → a pattern (with coded diagnostics). Pure. */
  import: publicProcedure
    .input(z.object({ files: z.array(z.object({ name: z.string().max(255), text: ZText })).min(1).max(50) }))
    .mutation(({ input }) => importManifests(input.files)),
});
