#!/usr/bin/env node
// The `meshloom` command: registers tsx so the TypeScript CLI runs without a build step.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  });
}
try {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import(new URL('../cli/main.ts', import.meta.url).href);
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`meshloom: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 2;
}
