// npm start: apply pending migrations, load the catalog, then serve the built app on $PORT (default 3000).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
process.env.NEXT_TELEMETRY_DISABLED = '1';
const port = process.env.PORT || '3000';
const hostname = process.env.HOSTNAME_BIND || '127.0.0.1';

if (!existsSync(join(root, '.next', 'BUILD_ID'))) {
  console.error('meshloom: no production build found. Run `npm run build` first (or `npm run serve`).');
  process.exit(1);
}
for (const script of ['db:migrate', 'db:seed']) {
  const r = spawnSync('npm', ['run', '--silent', script], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
const next = spawn(join(root, 'node_modules', '.bin', 'next'), ['start', '-p', port, '-H', hostname], { stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => next.kill(sig));
next.on('exit', (code) => process.exit(code ?? 0));
