/** Roles, weakest first. Each role can do everything the ones before it can. */
export const ROLES = ['viewer', 'editor', 'operator', 'admin'] as const;
export type TRole = (typeof ROLES)[number];

/** Who is asking: null when signed out. Carried into every service call. */
export type TActor = { id: string; role: TRole; name: string; email: string } | null;

export function toRole(value: unknown): TRole {
  return (ROLES as readonly unknown[]).includes(value) ? (value as TRole) : 'viewer';
}

/** True when `role` is at least `needed`. */
export function hasRole(role: TRole, needed: TRole): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}
