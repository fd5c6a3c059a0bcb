import type { Db } from '@/server/db';

/** Roles, weakest first (the same as server/auth/roles). */
export type Role = 'viewer' | 'editor' | 'operator' | 'admin';

/** Who is asking: null when signed out. Extra fields (name, email) are allowed and ignored. */
export type Actor = { id: string; role: Role } | null;

/** What every service call carries. */
export interface ServiceOptions {
  db: Db;
  actor: Actor;
}
