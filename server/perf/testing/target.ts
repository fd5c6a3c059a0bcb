/**
 * Starts ./target-server.mjs in a child process (tests and the perf benchmark): its URL, a way to
 * make it stall, and stop(). Only this process's own child is ever signalled.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SERVER = fileURLToPath(new URL('./target-server.mjs', import.meta.url));

export interface TTargetServer {
  url: string;
  port: number;
  pid: number;
  /** Blocks the server's event loop for `ms`, `afterMs` from now. */
  stall(ms: number, afterMs: number): void;
  stop(): Promise<void>;
}

export function startTarget(): Promise<TTargetServer> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = fork(SERVER, ['0'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: [] });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('the target server did not start within 10 s'));
    }, 10_000);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('message', (m: { ready?: boolean; port?: number }) => {
      if (!m.ready || !m.port) return;
      clearTimeout(timer);
      const port = m.port;
      resolve({
        url: `http://127.0.0.1:${port}`,
        port,
        pid: child.pid!,
        stall: (ms, afterMs) => child.send({ stall: ms, after: afterMs }),
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 2000).unref();
          }),
      });
    });
  });
}
