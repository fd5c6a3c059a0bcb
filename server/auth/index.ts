import 'server-only';
import { betterAuth } from 'better-auth';
import { prismaAdapter } from 'better-auth/adapters/prisma';
import { nextCookies } from 'better-auth/next-js';
import { getDb, getDbProvider } from '@/server/db';
import { toRole, type TActor } from './roles';
import { loadAuthSecret } from './secret';

function createAuth() {
  const db = getDb();
  return betterAuth({
    appName: 'Meshloom',
    database: prismaAdapter(db, { provider: getDbProvider() }),
    secret: loadAuthSecret(),
    // A fixed public URL when one is configured; otherwise the request's own host, if it is a
    // loopback host or one listed in MESHLOOM_ALLOWED_HOSTS (comma-separated).
    baseURL: process.env.BETTER_AUTH_URL ?? {
      allowedHosts: [
        'localhost:*',
        '127.0.0.1:*',
        '[::1]:*',
        ...(process.env.MESHLOOM_ALLOWED_HOSTS ?? '').split(',').map((h) => h.trim()).filter(Boolean),
      ],
    },
    emailAndPassword: { enabled: true, minPasswordLength: 8, maxPasswordLength: 128, autoSignIn: true },
    user: {
      additionalFields: {
        // input: false — a sign-up request cannot choose its own role.
        role: { type: 'string', required: false, defaultValue: 'editor', input: false },
      },
    },
    databaseHooks: {
      user: {
        create: {
          // The first account of an instance administers it.
          before: async (user) => {
            const count = await db.user.count();
            return { data: { ...user, role: count === 0 ? 'admin' : 'editor' } };
          },
        },
      },
    },
    // Slow down password guessing without getting in the way of a team signing up together.
    rateLimit: {
      enabled: process.env.NODE_ENV === 'production',
      window: 60,
      max: 100,
      customRules: { '/sign-in/email': { window: 60, max: 10 }, '/sign-up/email': { window: 60, max: 10 } },
    },
    session: { expiresIn: 60 * 60 * 24 * 14, updateAge: 60 * 60 * 24 },
    advanced: { useSecureCookies: process.env.MESHLOOM_SECURE_COOKIES === 'true' },
    telemetry: { enabled: false },
    plugins: [nextCookies()],
  });
}

type TAuth = ReturnType<typeof createAuth>;
const globalForAuth = globalThis as unknown as { meshloomAuth?: TAuth };

/** The better-auth instance (one per process). */
export function getAuth(): TAuth {
  globalForAuth.meshloomAuth ??= createAuth();
  return globalForAuth.meshloomAuth;
}

/** The signed-in user behind a request, as an actor; null when signed out. Never exposes the session token. */
export async function getActor(headers: Headers): Promise<TActor> {
  const session = await getAuth().api.getSession({ headers });
  if (!session) return null;
  const user = session.user as typeof session.user & { role?: unknown };
  return { id: user.id, role: toRole(user.role), name: user.name, email: user.email };
}
