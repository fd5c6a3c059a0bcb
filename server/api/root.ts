import { createCallerFactory, createTRPCRouter } from '@/server/api/trpc';
import { checksRouter } from '@/server/api/routers/checks';
import { deploymentsRouter } from '@/server/api/routers/deployments';
import { meshesRouter } from '@/server/api/routers/meshes';
import { patternsRouter } from '@/server/api/routers/patterns';
import { sessionRouter } from '@/server/api/routers/session';

/** One router per domain; adding a domain is one import and one line. */
export const appRouter = createTRPCRouter({
  patterns: patternsRouter,
  meshes: meshesRouter,
  session: sessionRouter,
  deployments: deploymentsRouter,
  checks: checksRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
