/**
 * Readiness probes, loopback only: an HTTP GET that reports the status (any answer counts as
 * "the listener answers"), a TCP connect for TLS/h2/TCP listeners, and a poll loop with a
 * deadline that gives up early when a check says waiting is pointless (a process exited).
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import { LOOPBACK } from './ports';

/** Status of GET http://127.0.0.1:<port><path>, or undefined when nothing answered in time. */
export function httpStatus(port: number, path: string, timeoutMs: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = request({ host: LOOPBACK, port, path, method: 'GET', agent: false, headers: { connection: 'close' }, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
      res.on('error', () => resolve(res.statusCode));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

/**
 * Whether an HTTP listener answers: a response (any status) or — when the proxy is still busy
 * with the request after `timeoutMs` (a slow or failing backend behind it, a fault delay) — a
 * connection that was accepted and kept open. Refused or reset connections do not count.
 */
export function httpAnswers(port: number, path: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (v: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(v);
    };
    const req = request({ host: LOOPBACK, port, path, method: 'GET', agent: false, headers: { connection: 'close' } }, (res) => {
      res.resume();
      finish(true);
    });
    let sent = false;
    req.on('finish', () => (sent = true));
    req.on('error', () => finish(false));
    const timer = setTimeout(() => finish(sent), timeoutMs);
    req.end();
  });
}

export function tcpConnects(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: LOOPBACK, port, timeout: timeoutMs });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(false));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `ready` until it holds (true), the deadline passes ('timeout'), `fatal` returns a
 * reason ('fatal: …' is returned as that reason) or the signal aborts ('aborted').
 */
export async function waitUntil(
  ready: () => Promise<boolean>,
  o: { timeoutMs: number; intervalMs?: number; fatal?: () => string | undefined; signal?: AbortSignal },
): Promise<true | 'timeout' | 'aborted' | { fatal: string }> {
  const deadline = Date.now() + o.timeoutMs;
  let interval = o.intervalMs ?? 10;
  for (;;) {
    if (o.signal?.aborted) return 'aborted';
    if (await ready()) return true;
    const f = o.fatal?.();
    if (f) return { fatal: f };
    if (Date.now() > deadline) return 'timeout';
    await sleep(interval);
    interval = Math.min(interval * 1.5, 100);
  }
}
