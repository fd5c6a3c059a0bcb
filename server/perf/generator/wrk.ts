/**
 * wrk (the Debian package, wrk 4.x) as a load generator. wrk is closed-loop only (it has no
 * constant-rate mode; that is wrk2), so a profile with `rps` > 0 is refused (ML8003). The request
 * (method, headers, body) is set by a Lua script written for the run, whose `done()` prints what
 * wrk measured between two marker lines in a form parsed here:
 *
 *   summary <duration µs> <requests> <bytes> <connect> <read> <write> <status≥400> <timeout>
 *   value <µs> <count>        every distinct latency value wrk recorded, with its count
 *   status <code> <count>     per thread (only with exact status codes: a response() hook)
 *   second <epoch s> <count>  per thread (same)
 *
 * Two things about wrk's numbers: its latency statistics are, by the time `done()` sees them,
 * already "corrected" by wrk 4 itself (stats_correct adds synthetic samples for values above
 * the mean per-connection interval), so the histogram can hold more samples than there were
 * requests; and a `response()` hook makes wrk parse every response in Lua, which costs speed,
 * so exact status codes are optional (`exactStatusCodes: false` keeps wrk at full speed and
 * reports status classes, below 400 and from 400, from wrk's own counters).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerfError } from '../errors';
import { encodeHistogram, newHistogram } from '../histogram';
import type { TErrorKind, TLoadGenerator, TLoadSpec, TPartialRun } from '../types';
import { findBinary, runTool, tail } from './external';

const BEGIN = 'MESHLOOM-WRK-BEGIN';
const END = 'MESHLOOM-WRK-END';

/** A Lua string literal for any text (bytes outside printable ASCII as 3-digit \ddd escapes). */
export function luaString(text: string): string {
  let out = '"';
  for (const b of Buffer.from(text, 'utf8')) {
    if (b === 0x22 || b === 0x5c) out += `\\${String.fromCharCode(b)}`;
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += `\\${String(b).padStart(3, '0')}`;
  }
  return `${out}"`;
}

/** The Lua script of one run. */
export function wrkScript(spec: Pick<TLoadSpec, 'method' | 'headers' | 'body'>, exactStatusCodes: boolean): string {
  const lines = ['-- Written by Meshloom for one wrk run: the request, and a done() that prints what wrk measured.', `wrk.method = ${luaString(spec.method.toUpperCase())}`];
  for (const [k, v] of Object.entries(spec.headers)) lines.push(`wrk.headers[${luaString(k)}] = ${luaString(v)}`);
  if (spec.body !== undefined) lines.push(`wrk.body = ${luaString(spec.body)}`);
  lines.push(
    'counts = {}',
    'seconds = {}',
    'local threads = {}',
    'function setup(thread) table.insert(threads, thread) end',
  );
  if (exactStatusCodes) {
    lines.push(
      'function response(status, headers, body)',
      '  counts[status] = (counts[status] or 0) + 1',
      '  local s = os.time()',
      '  seconds[s] = (seconds[s] or 0) + 1',
      'end',
    );
  }
  lines.push(
    'function done(summary, latency, requests)',
    `  io.write("${BEGIN}\\n")`,
    '  local e = summary.errors',
    '  io.write(string.format("summary %d %d %d %d %d %d %d %d\\n", summary.duration, summary.requests, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout))',
    // latency(i) is the i-th distinct value and its count; past the end it returns 0 and the number of distinct values.
    '  local _, distinct = latency(2^52)',
    '  if summary.requests > 0 then',
    '    for i = 1, distinct do',
    '      local v, c = latency(i)',
    '      io.write(string.format("value %d %d\\n", v, c))',
    '    end',
    '  end',
    '  for _, t in ipairs(threads) do',
    '    local c = t:get("counts")',
    '    if c then for k, v in pairs(c) do io.write(string.format("status %d %d\\n", k, v)) end end',
    '    local s = t:get("seconds")',
    '    if s then for k, v in pairs(s) do io.write(string.format("second %d %d\\n", k, v)) end end',
    '  end',
    `  io.write("${END}\\n")`,
    'end',
    '',
  );
  return lines.join('\n');
}

export interface TWrkParsed {
  durationUs: number;
  requests: number;
  bytes: number;
  errors: Partial<Record<TErrorKind, number>>;
  status400: number;
  values: [number, number][];
  statusCodes?: Record<string, number>;
  seconds?: Map<number, number>;
}

/** Reads the block printed by the script's done(); throws ML8011 when it is missing or malformed. */
export function parseWrkOutput(stdout: string): TWrkParsed {
  const begin = stdout.indexOf(BEGIN);
  const end = stdout.indexOf(END, begin);
  if (begin < 0 || end < 0) throw new PerfError('ML8011', 'wrk printed no result block (did the run start?)');
  let parsed: TWrkParsed | undefined;
  const values: [number, number][] = [];
  let codes: Record<string, number> | undefined;
  let seconds: Map<number, number> | undefined;
  for (const line of stdout.slice(begin + BEGIN.length, end).split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] === '') continue;
    const n = f.slice(1).map(Number);
    if (n.some((x) => !Number.isFinite(x))) throw new PerfError('ML8011', `wrk output: unreadable line '${line.trim()}'`);
    if (f[0] === 'summary' && n.length === 8) {
      const [durationUs, requests, bytes, connect, read, write, status, timeout] = n as [number, number, number, number, number, number, number, number];
      const errors: Partial<Record<TErrorKind, number>> = {};
      if (connect) errors.connect = connect;
      if (read) errors.reset = read;
      if (write) errors.write = write;
      if (timeout) errors.timeout = timeout;
      parsed = { durationUs, requests, bytes, errors, status400: status, values };
    } else if (f[0] === 'value' && n.length === 2) values.push([n[0]!, n[1]!]);
    else if (f[0] === 'status' && n.length === 2) {
      codes ??= {};
      codes[String(n[0])] = (codes[String(n[0])] ?? 0) + n[1]!;
    } else if (f[0] === 'second' && n.length === 2) {
      seconds ??= new Map();
      seconds.set(n[0]!, (seconds.get(n[0]!) ?? 0) + n[1]!);
    } else throw new PerfError('ML8011', `wrk output: unexpected line '${line.trim()}'`);
  }
  if (!parsed) throw new PerfError('ML8011', 'wrk output has no summary line');
  return { ...parsed, ...(codes ? { statusCodes: codes } : {}), ...(seconds ? { seconds } : {}) };
}

/** A partial run from wrk's parsed output; `startMs` is when wrk was started. */
export function wrkPartial(p: TWrkParsed, startMs: number, version?: string): TPartialRun {
  const h = newHistogram();
  for (const [v, c] of p.values) h.recordValueWithCount(v, c);
  let perSecond: number[] = [];
  if (p.seconds && p.seconds.size) {
    const first = Math.floor(startMs / 1000);
    for (const [s, n] of p.seconds) {
      const i = Math.max(0, s - first);
      perSecond[i] = (perSecond[i] ?? 0) + n;
    }
    perSecond = Array.from(perSecond, (n) => n ?? 0);
  }
  const out: TPartialRun = {
    generator: 'wrk',
    ...(version ? { generatorVersion: version } : {}),
    startMs,
    endMs: startMs + p.durationUs / 1000,
    requests: p.requests,
    statusCodes: p.statusCodes ?? {},
    ...(p.statusCodes ? {} : { statusClasses: { below400: p.requests - p.status400, from400: p.status400 } }),
    errors: p.errors,
    perSecond,
    histogram: encodeHistogram(h),
    bytesRead: p.bytes,
  };
  h.destroy();
  return out;
}

function refuses(load: Pick<TLoadSpec, 'rps'>): { message: string; hint: string } | undefined {
  return load.rps > 0 ? { message: `wrk has no constant-rate mode (rps ${load.rps} asked)`, hint: 'use --generator builtin (open model, coordinated omission corrected) or rps 0' } : undefined;
}

export function createWrkGenerator(o: { exactStatusCodes?: boolean; binary?: string } = {}): TLoadGenerator {
  const exact = o.exactStatusCodes ?? true;
  const bin = () => o.binary ?? findBinary('wrk');
  const version = async (b: string) => {
    // wrk -v prints "wrk <version> [epoll] Copyright …" and exits 1.
    const r = await runTool(b, ['-v'], { deadlineMs: 5000 });
    return /^wrk\s+(\S+)/m.exec(r.stdout + r.stderr)?.[1];
  };
  return {
    id: 'wrk',
    title: 'wrk (closed loop, Lua-scripted result)',
    async available() {
      const b = bin();
      if (!b) return { ok: false, reason: 'wrk is not installed (Debian package wrk)' };
      const v = await version(b).catch(() => undefined);
      return v ? { ok: true, version: v } : { ok: false, reason: `${b} did not report a version` };
    },
    refuses,
    async run(spec, options = {}) {
      const b = bin();
      if (!b) throw new PerfError('ML8010', 'wrk is not installed here', [], 'apt-get install wrk');
      const refused = refuses(spec);
      if (refused) throw new PerfError('ML8003', refused.message, [], refused.hint);
      const threads = Math.max(1, Math.min(spec.threads ?? 1, spec.connections));
      const seconds = Math.max(1, Math.ceil(spec.durationMs / 1000));
      const dir = mkdtempSync(join(tmpdir(), 'meshloom-wrk-'));
      try {
        const script = join(dir, 'run.lua');
        writeFileSync(script, wrkScript(spec, exact));
        const args = [`-t${threads}`, `-c${spec.connections}`, `-d${seconds}s`, `--timeout`, `${Math.max(1, Math.ceil(spec.timeoutMs / 1000))}s`, '-s', script, spec.url];
        const r = await runTool(b, args, { deadlineMs: seconds * 1000 + 60_000, ...(options.signal ? { signal: options.signal } : {}) });
        if (r.code !== 0) throw new PerfError('ML8011', `wrk exited with ${r.code}: ${tail(r.stderr || r.stdout)}`);
        const v = await version(b).catch(() => undefined);
        return wrkPartial(parseWrkOutput(r.stdout), r.spawnedAt, v);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

export const wrkGenerator = createWrkGenerator();
