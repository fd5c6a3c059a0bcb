import { z } from 'zod';
import { DEFAULT_DATABASE_URL, providerFromUrl } from './db/url';

const emptyAsUnset = (v: unknown) => (v === '' ? undefined : v);

/** The server's environment, checked once at start. Empty strings count as unset. */
export const ZEnv = z.object({
  /** `file:<path>` (SQLite, relative paths from the repo root) or `postgres(ql)://…`. */
  DATABASE_URL: z.preprocess(
    emptyAsUnset,
    z
      .string()
      .default(DEFAULT_DATABASE_URL)
      .refine((url) => providerFromUrl(url) !== null, 'DATABASE_URL must start with file:, postgres:// or postgresql://'),
  ),
  PORT: z.preprocess(emptyAsUnset, z.coerce.number().int().min(1).max(65535).default(3000)),
  /** better-auth's signing secret; required in production by the auth layer, not here. */
  BETTER_AUTH_SECRET: z.preprocess(emptyAsUnset, z.string().min(1).optional()),
  /** Path of the kubeconfig used to deploy to a cluster; read on the server only, never sent to a browser. */
  MESHLOOM_KUBECONFIG: z.preprocess(emptyAsUnset, z.string().min(1).optional()),
  /** The kubeconfig context to use (default: the kubeconfig's current-context). */
  MESHLOOM_KUBE_CONTEXT: z.preprocess(emptyAsUnset, z.string().min(1).optional()),
  /** Where the local sandbox keeps its state, certificates and logs (relative paths from the repo root). */
  MESHLOOM_SANDBOX_DIR: z.preprocess(emptyAsUnset, z.string().min(1).default('data/sandbox')),
  NODE_ENV: z.preprocess(emptyAsUnset, z.enum(['development', 'test', 'production']).default('development')),
});
export type Env = z.output<typeof ZEnv>;

/** Parses an environment (default `process.env`); throws one readable error listing every problem. */
export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  const result = ZEnv.safeParse(source);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`).join('\n');
    throw new Error(`Invalid environment:\n${problems}`);
  }
  return result.data;
}

let cached: Env | undefined;
/** The process environment, parsed on first use (not at import, so `next build` needs no env). */
export function getEnv(): Env {
  cached ??= parseEnv();
  return cached;
}
