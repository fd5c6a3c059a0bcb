// vitest globalSetup: the Prisma clients under server/db/generated/ are git-ignored, so make
// sure they exist and match prisma/schema.prisma before any test imports them (cheap when current).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './url';

export default function setup(): void {
  execFileSync(process.execPath, [join(repoRoot(), 'scripts', 'db', 'generate.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
}
