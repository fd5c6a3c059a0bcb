/**
 * tRPC setup: the context and the procedure kinds. Access rules live here, as procedure
 * kinds, never as `if`s inside procedure bodies.
 */
import { initTRPC, TRPCError } from '@trpc/server';
import { z } from 'zod';
import type { TDiagnostic } from '@/patterns/language';
import { getActor } from '@/server/auth';
import { hasRole, type TActor, type TRole } from '@/server/auth/roles';
import { getDb } from '@/server/db';
import { ServiceError } from '@/server/services/errors';

export async function createContext(opts: { headers: Headers }) {
  return { db: getDb(), actor: await getActor(opts.headers) };
}
export type TContext = Awaited<ReturnType<typeof createContext>>;

const t = initTRPC.context<TContext>().create({
  // Subscriptions (deploy progress) stream over SSE: a ping comment every 10 s keeps a quiet
  // stream (a long wait for a cluster) open through proxies, and a client that hears nothing
  // for 30 s reconnects (resuming after the last event it got).
  sse: { ping: { enabled: true, intervalMs: 10_000 }, client: { reconnectAfterInactivityMs: 30_000 } },
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    const diagnostics: TDiagnostic[] | undefined = cause instanceof ServiceError ? cause.diagnostics : undefined;
    const detail = cause instanceof ServiceError ? cause.detail : undefined;
    return {
      ...shape,
      data: {
        code: shape.data.code,
        httpStatus: shape.data.httpStatus,
        path: shape.data.path,
        diagnostics,
        /** A domain error code such as ML7004, when the service gave one. */
        errorCode: detail?.errorCode,
        hint: detail?.hint,
        zodIssues: error.cause instanceof z.ZodError ? error.cause.issues : undefined,
      },
    };
  },
});

/** Services throw ServiceError; procedures turn it into the matching tRPC error, keeping diagnostics. */
const mapServiceErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof ServiceError) {
    const cause = result.error.cause;
    throw new TRPCError({ code: cause.code, message: cause.message, cause });
  }
  return result;
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Anyone, signed in or not. */
export const publicProcedure = t.procedure.use(mapServiceErrors);

function requireRole(role: TRole) {
  return t.middleware(({ ctx, next }) => {
    if (!ctx.actor) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in to do this.' });
    if (!hasRole(ctx.actor.role, role)) {
      throw new TRPCError({ code: 'FORBIDDEN', message: `This needs the ${role} role; you are ${ctx.actor.role}.` });
    }
    return next({ ctx: { ...ctx, actor: ctx.actor as NonNullable<TActor> } });
  });
}

/** Signed in, any role. */
export const protectedProcedure = publicProcedure.use(requireRole('viewer'));
/** May create and edit (own) patterns. */
export const editorProcedure = publicProcedure.use(requireRole('editor'));
/** May deploy and run checks. */
export const operatorProcedure = publicProcedure.use(requireRole('operator'));
/** May administer the instance. */
export const adminProcedure = publicProcedure.use(requireRole('admin'));
