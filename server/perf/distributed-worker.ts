/**
 * One worker process of a distributed run (forked by ./distributed.ts with the tsx loader): says
 * it is loaded, receives its share of the load (a spec with the shared start time), runs the
 * built-in engine and sends back what it measured, then exits.
 */
import { isPerfError } from './errors';
import { runEngine } from './generator/engine';
import type { TLoadSpec } from './types';

type TMessage = { type: 'run'; spec: TLoadSpec } | { type: 'stop' };

const send = (m: unknown) => new Promise<void>((resolve) => (process.send ? process.send(m, () => resolve()) : resolve()));

const abort = new AbortController();
process.on('message', (m: TMessage) => {
  if (m.type === 'stop') {
    abort.abort();
    return;
  }
  if (m.type !== 'run') return;
  runEngine(m.spec, { signal: abort.signal })
    .then((result) => send({ type: 'result', result }))
    .catch((e: unknown) => send({ type: 'error', code: isPerfError(e) ? e.code : 'ML8040', message: e instanceof Error ? e.message : String(e) }))
    .finally(() => process.exit(0));
});
process.on('disconnect', () => {
  abort.abort();
  setTimeout(() => process.exit(0), 100).unref();
});
void send({ type: 'loaded' });
