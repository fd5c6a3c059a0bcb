/**
 * The built-in load engine: HTTP/1.1 keep-alive over raw `net` sockets, one request serialised
 * once and written as is, responses read into one reused buffer per connection (`onread`, no
 * stream allocations) by the minimal parser of ./http1.ts. Runs on the current thread; the
 * built-in generator (./builtin.ts) and distributed workers (../distributed.ts) run one engine
 * per thread or process and merge the results.
 *
 * Two models:
 * - closed loop (`rps` 0): every connection sends its next request as soon as the previous
 *   response is read; latency = response time; only responses read before the deadline count.
 * - constant rate (open model, coordinated-omission corrected as wrk2 does): request k has an
 *   intended send time `start + k / rps` on one schedule shared by all connections; it is sent
 *   on a free connection once due (at once when one is free, else when one frees up), and its
 *   latency is measured from its *intended* time, so a stalled target shows in the percentiles
 *   as the queue it would have built. The run sends exactly `rps × duration` requests, then
 *   waits (at most `timeoutMs`) for the last responses. Due requests are released on every
 *   completion, by a millisecond timer, and (up to 5,000 rps) by a sub-millisecond waker thread
 *   (./waker.ts); how late each request left is recorded too (the schedule lag histogram).
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { PerfError } from '../errors';
import { encodeHistogram, newHistogram } from '../histogram';
import type { TErrorKind, TLoadSpec, TPartialRun } from '../types';
import { ResponseParser, serializeRequest } from './http1';
import { createWaker } from './waker';

interface TConn {
  sock: net.Socket | null;
  parser: ResponseParser;
  readBuf: Buffer;
  busy: boolean;
  /** perf-clock ms the current request was meant to leave (closed loop: when it left). */
  intended: number;
  sentAt: number;
  everConnected: boolean;
  lastError: string | undefined;
  failures: number;
  free: boolean;
}

const READ_BUFFER = 16 * 1024;
/** Up to this rate the constant-rate schedule uses the sub-millisecond waker thread. */
const WAKER_MAX_RPS = 5000;

function errorKind(code: string | undefined): TErrorKind {
  if (code === 'ECONNREFUSED' || code === 'EADDRNOTAVAIL' || code === 'ENETUNREACH' || code === 'EHOSTUNREACH') return 'connect';
  if (code === 'ECONNRESET') return 'reset';
  if (code === 'EPIPE') return 'write';
  if (code === undefined) return 'closed';
  return 'other';
}

/** Target host/port/path of an http:// URL. */
export function targetOf(url: string): { host: string; port: number; path: string; hostHeader: string } {
  const u = new URL(url);
  if (u.protocol !== 'http:') throw new PerfError('ML8003', `${u.protocol}// is not supported by the built-in generator (plain http:// only)`);
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  return { host, port: u.port ? Number(u.port) : 80, path: `${u.pathname || '/'}${u.search}`, hostHeader: u.host };
}

export async function runEngine(spec: TLoadSpec, options: { signal?: AbortSignal } = {}): Promise<TPartialRun> {
  const { host, port, path, hostHeader } = targetOf(spec.url);
  const method = spec.method.toUpperCase();
  const request = serializeRequest({ method, path, host: hostHeader, headers: spec.headers, ...(spec.body !== undefined ? { body: spec.body } : {}) });
  const constant = spec.rps > 0;
  const intervalMs = constant ? 1000 / spec.rps : 0;
  const planned = constant ? Math.max(1, Math.floor((spec.durationMs * spec.rps) / 1000)) : 0;

  const hist = newHistogram();
  const samples: number[] | undefined = spec.keepSamples ? [] : undefined;
  const lag = constant ? newHistogram() : undefined;
  const statusCounts = new Uint32Array(1000);
  const perSecond: number[] = [];
  const errors: Partial<Record<TErrorKind, number>> = {};
  const countError = (k: TErrorKind) => void (errors[k] = (errors[k] ?? 0) + 1);

  let phase: 'connecting' | 'running' | 'done' = 'connecting';
  let start = 0;
  let deadline = 0;
  let lastCompletion = 0;
  let requests = 0;
  let issued = 0;
  let inflight = 0;
  let bytesRead = 0;
  const free: TConn[] = [];
  const conns: TConn[] = [];
  let finish: () => void = () => {};
  let releaseDue: (now: number) => void = () => {};
  let onConnectPhase: () => void = () => {};

  // Each request is written as soon as it is due (closed loop: as soon as the previous response
  // on its connection is read). Batching the writes of one event-loop pass (as wrk does) measured
  // no better here and costs a second callback per pass.
  const send = (c: TConn, intended: number, now: number) => {
    c.busy = true;
    c.intended = intended;
    c.sentAt = now;
    inflight++;
    if (lag) lag.recordValue(Math.max(0, Math.round((now - intended) * 1000)));
    c.sock!.write(request);
  };

  /** Gives an idle, connected connection its next request, or parks it. */
  const ready = (c: TConn, now: number) => {
    if (phase === 'connecting' || phase === 'done') return;
    if (!constant) {
      if (phase === 'running' && now < deadline) send(c, now, now);
      return;
    }
    if (issued < planned && issued < Math.floor((now - start) / intervalMs) + 1) {
      send(c, start + issued * intervalMs, now);
      issued++;
    } else if (!c.free) {
      c.free = true;
      free.push(c);
    }
  };

  const makeConn = (): TConn => {
    const c: TConn = {
      sock: null,
      readBuf: Buffer.allocUnsafe(READ_BUFFER),
      busy: false,
      intended: 0,
      sentAt: 0,
      everConnected: false,
      lastError: undefined,
      failures: 0,
      free: false,
      parser: undefined as unknown as ResponseParser,
    };
    c.parser = new ResponseParser({
      onResponse(status, close) {
        const now = performance.now();
        if (!c.busy) {
          // A response nobody asked for: the connection is out of step.
          countError('parse');
          c.sock?.destroy();
          return;
        }
        c.busy = false;
        inflight--;
        if (phase === 'done' || (!constant && now > deadline)) return;
        requests++;
        lastCompletion = now;
        const us = Math.max(0, Math.round((now - c.intended) * 1000));
        hist.recordValue(us);
        samples?.push(us);
        statusCounts[status] = statusCounts[status]! + 1;
        const sec = Math.floor((now - start) / 1000);
        perSecond[sec] = (perSecond[sec] ?? 0) + 1;
        if (close) {
          c.sock?.destroy();
          return;
        }
        ready(c, now);
        if (constant) {
          if (free.length) releaseDue(now);
          if (inflight === 0 && issued >= planned) finish();
        }
      },
      onParseError() {
        if (c.busy) {
          c.busy = false;
          inflight--;
          countError('parse');
        }
        c.sock?.destroy();
      },
    });
    c.parser.expectNoBody = method === 'HEAD';
    return c;
  };

  const connect = (c: TConn) => {
    c.parser.reset();
    c.lastError = undefined;
    const sock = net.connect({
      host,
      port,
      noDelay: true,
      onread: {
        buffer: c.readBuf,
        callback: (n: number, buf: Uint8Array) => {
          bytesRead += n;
          c.parser.feed(buf as Buffer, n);
          return true;
        },
      },
    });
    c.sock = sock;
    sock.once('connect', () => {
      c.everConnected = true;
      c.failures = 0;
      if (phase === 'connecting') onConnectPhase();
      else ready(c, performance.now());
    });
    sock.on('error', (e: NodeJS.ErrnoException) => {
      c.lastError = e.code ?? 'error';
    });
    sock.on('end', () => {
      // The server closed its side: completes a body read until close, if that is what this is.
      c.parser.end();
    });
    sock.on('close', () => {
      if (c.sock !== sock) return;
      c.sock = null;
      if (c.free) {
        c.free = false;
        const i = free.indexOf(c);
        if (i >= 0) free.splice(i, 1);
      }
      if (phase === 'done') return;
      if (c.busy) {
        c.busy = false;
        inflight--;
        countError(errorKind(c.lastError));
      } else if (c.lastError !== undefined && phase !== 'connecting') countError(c.lastError === 'ECONNREFUSED' ? 'connect' : errorKind(c.lastError));
      if (phase === 'connecting') {
        c.failures++;
        onConnectPhase();
        return;
      }
      c.failures = c.lastError !== undefined ? c.failures + 1 : 0;
      const backoff = c.failures > 1 ? Math.min(250, 2 ** c.failures) : 0;
      setTimeout(() => {
        if (phase === 'running') connect(c);
      }, backoff).unref();
      if (constant && inflight === 0 && issued >= planned) finish();
    });
  };

  // 1. Connect every connection (each gets one try; failures are retried once running).
  for (let i = 0; i < spec.connections; i++) conns.push(makeConn());
  await new Promise<void>((resolve, reject) => {
    let settled = 0;
    const t = setTimeout(() => resolve(), Math.min(spec.timeoutMs, 10_000));
    onConnectPhase = () => {
      settled++;
      if (settled < conns.length) return;
      clearTimeout(t);
      resolve();
    };
    if (options.signal?.aborted) {
      clearTimeout(t);
      reject(new PerfError('ML8041', 'cancelled before the run started'));
      return;
    }
    for (const c of conns) connect(c);
  });
  if (!conns.some((c) => c.everConnected)) {
    phase = 'done';
    const why = conns.find((c) => c.lastError)?.lastError ?? 'no answer';
    for (const c of conns) c.sock?.destroy();
    throw new PerfError('ML8012', `cannot connect to ${spec.url}: ${why}`);
  }

  // 2. Wait for the shared start time, if any.
  if (spec.startAt !== undefined) {
    const wait = spec.startAt - (performance.timeOrigin + performance.now());
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }

  // 3. Run.
  return await new Promise<TPartialRun>((resolve, reject) => {
    const timers: NodeJS.Timeout[] = [];
    let tickTimer: NodeJS.Timeout | undefined;
    let stopWaker = () => {};
    let aborted = false;
    const onAbort = () => {
      aborted = true;
      finish();
    };
    finish = () => {
      if (phase === 'done') return;
      const endPerf = constant ? Math.max(lastCompletion, start) : deadline;
      if (constant) {
        if (issued < planned) errors.unsent = (errors.unsent ?? 0) + (planned - issued);
        if (inflight > 0) errors.incomplete = (errors.incomplete ?? 0) + inflight;
      }
      phase = 'done';
      for (const t of timers) clearTimeout(t);
      if (tickTimer) clearTimeout(tickTimer);
      stopWaker();
      options.signal?.removeEventListener('abort', onAbort);
      for (const c of conns) c.sock?.destroy();
      if (aborted) {
        reject(new PerfError('ML8041', 'the run was cancelled'));
        return;
      }
      const codes: Record<string, number> = {};
      for (let s = 100; s < 1000; s++) if (statusCounts[s]) codes[String(s)] = statusCounts[s]!;
      for (let i = 0; i < perSecond.length; i++) perSecond[i] ??= 0;
      resolve({
        generator: 'builtin',
        startMs: performance.timeOrigin + start,
        endMs: performance.timeOrigin + endPerf,
        requests,
        statusCodes: codes,
        errors,
        perSecond: constant ? perSecond : perSecond.slice(0, Math.ceil(spec.durationMs / 1000)),
        histogram: encodeHistogram(hist),
        ...(lag ? { lagHistogram: encodeHistogram(lag) } : {}),
        bytesRead,
        ...(samples ? { samples } : {}),
      });
      hist.destroy();
      lag?.destroy();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });

    phase = 'running';
    start = performance.now();
    deadline = start + spec.durationMs;

    // Requests that outlive the timeout are errors; their connection is replaced.
    const sweepEvery = Math.max(10, Math.min(250, spec.timeoutMs / 4));
    const sweep = setInterval(() => {
      const now = performance.now();
      for (const c of conns) {
        if (c.busy && now - c.sentAt > spec.timeoutMs) {
          c.busy = false;
          inflight--;
          countError('timeout');
          c.sock?.destroy();
        }
      }
      if (constant && phase === 'running' && inflight === 0 && issued >= planned) finish();
    }, sweepEvery);
    timers.push(sweep);

    if (!constant) {
      timers.push(setTimeout(finish, spec.durationMs));
      for (const c of conns) if (c.sock && c.everConnected && !c.sock.connecting) ready(c, start);
      return;
    }

    // Constant rate: due requests are released on every completion (frequent at high rates), by a
    // timer (millisecond resolution), and at rates up to WAKER_MAX_RPS by the sub-millisecond
    // waker (where completions are too rare to keep requests on time). Above that rate a wake per
    // request would cost more than the lateness it saves.
    const waker = spec.rps <= WAKER_MAX_RPS ? createWaker(() => tick()) : undefined;
    stopWaker = () => waker?.stop();
    releaseDue = (now) => {
      const due = Math.min(planned, Math.floor((now - start) / intervalMs) + 1);
      while (issued < due) {
        const c = free.pop();
        if (!c) break;
        c.free = false;
        send(c, start + issued * intervalMs, now);
        issued++;
      }
    };
    const tick = () => {
      if (phase !== 'running') return;
      const now = performance.now();
      releaseDue(now);
      if (issued >= planned) {
        if (inflight === 0) finish();
        return;
      }
      const nextAt = start + issued * intervalMs;
      // Behind schedule with every connection busy: completions release the backlog, no alarm needed.
      if (waker && (nextAt > now || free.length > 0)) waker.arm(nextAt);
      tickTimer ??= setTimeout(
        () => {
          tickTimer = undefined;
          tick();
        },
        Math.max(1, Math.ceil(nextAt - now)) + (waker ? 5 : 0),
      );
    };
    for (const c of conns) {
      if (c.sock && c.everConnected && !c.sock.connecting && !c.free) {
        c.free = true;
        free.push(c);
      }
    }
    // After the schedule: wait for the last responses, at most the request timeout.
    timers.push(setTimeout(finish, spec.durationMs + spec.timeoutMs));
    tick();
  });
}
