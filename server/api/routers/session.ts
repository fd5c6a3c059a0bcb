import { createTRPCRouter, publicProcedure } from '@/server/api/trpc';

export const sessionRouter = createTRPCRouter({
  /** Who is signed in (name, email, role) — never the session token. */
  me: publicProcedure.query(({ ctx }) => ctx.actor),
});
