// Serves the production build for the e2e tests on $PORT with a fresh database of its own.
import { rmSync } from 'node:fs';
import { spawn } from 'node:child_process';

const dir = 'data/e2e';
rmSync(dir, { recursive: true, force: true });
process.env.DATABASE_URL = `file:./${dir}/meshloom.db`;
process.env.MESHLOOM_DATA_DIR = dir;
// The deploy e2e runs the real sandbox: its processes and files go here, apart from a developer's own.
process.env.MESHLOOM_SANDBOX_DIR = `${dir}/sandbox`;
const child = spawn('node', ['scripts/start.mjs'], { stdio: 'inherit', env: process.env });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => process.exit(code ?? 0));
