import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * The secret that signs session cookies: BETTER_AUTH_SECRET when set, otherwise one generated
 * on first start and kept in data/auth-secret (git-ignored, readable only by its owner), so a
 * fresh machine needs no manual step and sessions survive restarts.
 */
export function loadAuthSecret(): string {
  const fromEnv = process.env.BETTER_AUTH_SECRET;
  if (fromEnv && fromEnv.length >= 32) return fromEnv;
  const file = resolve(process.env.MESHLOOM_DATA_DIR ?? 'data', 'auth-secret');
  if (existsSync(file)) {
    const saved = readFileSync(file, 'utf8').trim();
    if (saved.length >= 32) return saved;
  }
  const secret = randomBytes(32).toString('base64url');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, secret + '\n', { mode: 0o600 });
  return secret;
}
