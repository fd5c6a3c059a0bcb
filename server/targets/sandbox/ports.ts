/**
 * Loopback ports of a deployment. A port is found by binding 127.0.0.1:0 and releasing it; a
 * deployment keeps its ports across re-applies (they are in its state), and a recorded port is
 * only replaced when the process that owned it is gone and something else has taken it since.
 */
import { createServer } from 'node:net';

export const LOOPBACK = '127.0.0.1';

// Ports handed out by this process in the last minute: a port found free is not bound by its
// process at once, and the kernel may offer it again meanwhile (to another deployment).
const recent = ((globalThis as unknown as { meshloomSandboxPorts?: Map<number, number> }).meshloomSandboxPorts ??= new Map<number, number>());
const RESERVE_MS = 60_000;

function reserved(): Set<number> {
  const now = Date.now();
  for (const [p, at] of recent) if (now - at > RESERVE_MS) recent.delete(p);
  return new Set(recent.keys());
}

/** Whether 127.0.0.1:<port> can be bound right now. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host: LOOPBACK, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/** Free now or within ~100 ms: a process that just died may still hold its listening socket briefly. */
async function freeSoon(port: number): Promise<boolean> {
  for (let i = 0; i < 4; i++) {
    if (await isPortFree(port)) return true;
    await new Promise((r) => setTimeout(r, 30));
  }
  return false;
}

/** A port the kernel considers free on 127.0.0.1 (and not in `avoid`). */
export async function freePort(avoid: Set<number>): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen({ port: 0, host: LOOPBACK, exclusive: true }, () => {
        const a = s.address();
        const p = typeof a === 'object' && a ? a.port : 0;
        s.close(() => resolve(p));
      });
    });
    if (port > 0 && !avoid.has(port) && !recent.has(port)) {
      recent.set(port, Date.now());
      return port;
    }
  }
  throw new Error('no free loopback port');
}

/**
 * A port for every key: the recorded one when its owner still runs (`held`) or the port is still
 * free, a new free one otherwise — never one in `others` (ports other deployments record).
 */
export async function assignPorts(keys: string[], recorded: Record<string, number>, held: (key: string) => boolean, others: Set<number> = new Set()): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const used = new Set<number>([...others, ...reserved()]);
  for (const p of Object.values(recorded)) used.delete(p);
  const fresh: string[] = [];
  for (const k of keys) {
    const p = recorded[k];
    if (p !== undefined && !used.has(p) && !others.has(p) && (held(k) || (await freeSoon(p)))) {
      out[k] = p;
      used.add(p);
    } else fresh.push(k);
  }
  // Never hand out a port another key of this deployment still records.
  for (const p of Object.values(recorded)) used.add(p);
  for (const k of fresh) {
    const p = await freePort(used);
    out[k] = p;
    used.add(p);
  }
  return out;
}
