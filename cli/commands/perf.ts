import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { decodePatternBytes, parsePattern } from '../../patterns/language/index';
import { isPerfError, PerfError } from '../../server/perf/errors';
import { overrideProfile, parseDocument, profileFromOptions, validateProfile, type TProfileOptions } from '../../server/perf/profile';
import { runPerf, type TPerfTarget } from '../../server/perf/run';
import { describeLoad, smpToJson, smpToYaml, toSmpDocument, type TPerfRun } from '../../server/perf/smp';
import { GENERATOR_IDS, parseDurationMs, type TPerfProfile } from '../../server/perf/types';
import { parseArgs } from '../args';
import { createIncludeLoader, findCatalogDir, paramsFromOptions, readBytes, UnreadableFileError } from '../files';
import { UsageError, type TCliIO, type TCommand } from '../types';
import { formatDiagnosticLine } from './validate';

const USAGE = [
  'meshloom perf [--target sandbox|url] [--rps R] [--duration D] [--connections C]',
  '              [--generator builtin|wrk|fortio|nighthawk] [--workers N] [--threads N] [--timeout D]',
  "              [--method M] [-H 'Name: value']... [--cookie name=value]... [--body TEXT] [--content-type T]",
  '              [--profile PROFILE.yaml] [--service NAME] [--param name=value]... [--keep] [-o RESULT.json|.yaml]',
  '              FILE|URL',
  '',
  '  URL    an http:// URL on loopback (127.0.0.0/8, localhost, [::1]); anything else is refused (ML8004)',
  '  FILE   a pattern: deployed on the local sandbox, its entry service loaded, undeployed (--keep leaves it);',
  '         or a profile (SMP PerformanceTestConfig, YAML/JSON) whose endpoint_urls are loaded',
  '  --rps 0 (default) runs closed loop, as fast as responses come; R > 0 a constant rate (open model,',
  '  latency from each request’s intended send time: coordinated omission corrected). --workers N splits',
  '  the built-in generator’s load over N processes (histograms merged exactly).',
  '  -o writes the SMP result document (JSON, or YAML for .yaml/.yml).',
].join('\n');

const n = (x: number, digits = 0) => x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ms = (x: number) => `${x.toFixed(3)} ms`;

function intOption(a: Map<string, string[]>, name: string, min: number): number | undefined {
  const v = a.get(name)?.at(-1);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min) throw new UsageError(`--${name} takes an integer ≥ ${min}, not '${v}'`);
  return Number(v);
}

function headerOptions(values: string[] | undefined): Record<string, string> | undefined {
  if (!values) return undefined;
  const out: Record<string, string> = {};
  for (const v of values) {
    const i = v.indexOf(':');
    if (i <= 0) throw new UsageError(`--header takes 'Name: value', not '${v}'`);
    out[v.slice(0, i).trim()] = v.slice(i + 1).trim();
  }
  return out;
}

function cookieOptions(values: string[] | undefined): Record<string, string> | undefined {
  if (!values) return undefined;
  const out: Record<string, string> = {};
  for (const v of values) {
    const i = v.indexOf('=');
    if (i <= 0) throw new UsageError(`--cookie takes name=value, not '${v}'`);
    out[v.slice(0, i)] = v.slice(i + 1);
  }
  return out;
}

/** The human summary of a run. */
export function formatSummary(run: TPerfRun, written?: string): string {
  const r = run.result;
  const l = r.latencyMs;
  const lines = [`meshloom perf: ${r.url} (${r.method})`, `  load       ${describeLoad(r)}`];
  lines.push(`  requests   ${n(r.requests)} in ${(r.durationMs / 1000).toFixed(2)} s → ${n(r.actualRps, 1)} rps achieved${r.requestedRps ? ` (${((r.actualRps / r.requestedRps - 1) * 100).toFixed(2)}% off the requested ${n(r.requestedRps)})` : ''}`);
  lines.push(`  latency    p50 ${ms(l.p50)} · p90 ${ms(l.p90)} · p99 ${ms(l.p99)} · max ${ms(l.max)}  (min ${ms(l.min)} · mean ${ms(l.average)})`);
  const codes = Object.entries(r.statusCodes).sort(([a], [b]) => a.localeCompare(b));
  const status = codes.map(([c, k]) => `${c} × ${n(k)}`);
  if (r.statusClasses) status.push(`below 400 × ${n(r.statusClasses.below400)}`, `400 and above × ${n(r.statusClasses.from400)}`);
  lines.push(`  status     ${status.join(' · ') || 'no responses'}`);
  const errors = Object.entries(r.errors).filter(([, k]) => k && k > 0);
  lines.push(`  errors     ${errors.length ? errors.map(([kind, k]) => `${kind} × ${n(k!)}`).join(' · ') : 'none'}`);
  if (r.scheduleLagMs) lines.push(`  schedule   requests left ${ms(r.scheduleLagMs.p50)} (p50) / ${ms(r.scheduleLagMs.p99)} (p99) after their intended time`);
  const mc = run.meshConfig;
  if (mc?.sidecar) lines.push(`  proxy      ${mc.proxy_build ?? 'HAProxy'}: ${n(mc.sidecar.cpu_mcores ?? 0)} mcores · ${n(mc.sidecar.mem_mb ?? 0)} MB peak RSS${mc.sidecar.rps !== undefined ? ` · ${n(mc.sidecar.rps)} rps through it` : ''}`);
  for (const w of run.environment?.individual_workloads ?? []) lines.push(`  workload   ${w.name} (${w.count} process${w.count === 1 ? '' : 'es'}): ${n(w.cpu_mcores ?? 0)} mcores · ${n(w.mem_mb ?? 0)} MB peak RSS`);
  if (written) lines.push(`  written    ${written}`);
  return `${lines.join('\n')}\n`;
}

type TInput = { kind: 'url'; url: string } | { kind: 'pattern'; file: string; bytes: Uint8Array } | { kind: 'profile'; file: string; profile: TPerfProfile };

function readInput(arg: string, io: TCliIO): TInput {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(arg)) return { kind: 'url', url: arg };
  const bytes = readBytes(arg, io.cwd);
  const text = decodePatternBytes(bytes).text;
  const doc = parseDocument(text, arg);
  if (doc && typeof doc === 'object' && (doc as { kind?: unknown }).kind === 'Pattern') return { kind: 'pattern', file: arg, bytes };
  if (doc && typeof doc === 'object' && 'clients' in doc) return { kind: 'profile', file: arg, profile: validateProfile(doc, arg) };
  throw new PerfError('ML8002', `${arg} is neither a pattern (kind: Pattern) nor a performance profile (clients: …)`);
}

const perf: TCommand = {
  name: 'perf',
  summary: 'load-test a URL on loopback or a pattern on the local sandbox; print latency, rate and status codes; write SMP',
  usage: USAGE,
  async run(args: string[], io: TCliIO) {
    const a = parseArgs(
      args.map((x) => (x === '-o' ? '--out' : x === '-H' ? '--header' : x)),
      {
        options: ['target', 'rps', 'duration', 'connections', 'generator', 'workers', 'threads', 'timeout', 'method', 'header', 'cookie', 'body', 'content-type', 'profile', 'service', 'param', 'catalog', 'out', 'name'],
        flags: ['keep', 'quiet'],
      },
    );
    const o = a.options;
    const target = o.get('target')?.at(-1);
    if (target !== undefined && target !== 'sandbox' && target !== 'url') throw new UsageError(`--target is sandbox or url, not '${target}'`);
    const generator = o.get('generator')?.at(-1);
    if (generator !== undefined && !(GENERATOR_IDS as readonly string[]).includes(generator)) throw new UsageError(`--generator is one of ${GENERATOR_IDS.join(', ')}, not '${generator}'`);
    const duration = o.get('duration')?.at(-1);
    if (duration !== undefined && !(parseDurationMs(duration)! > 0)) throw new UsageError(`--duration takes a duration such as 10s or 1m, not '${duration}'`);
    const timeout = o.get('timeout')?.at(-1);
    const timeoutMs = timeout === undefined ? undefined : parseDurationMs(timeout);
    if (timeout !== undefined && !(timeoutMs! > 0)) throw new UsageError(`--timeout takes a duration such as 5s, not '${timeout}'`);
    const workers = intOption(o, 'workers', 1);
    const threads = intOption(o, 'threads', 1);
    const out = o.get('out')?.at(-1);
    if (a.positionals.length > 1) throw new UsageError('perf takes one FILE or URL');

    const overrides: TProfileOptions = {
      ...(o.get('name') ? { name: o.get('name')!.at(-1)! } : {}),
      ...(generator ? { generator } : {}),
      ...(intOption(o, 'rps', 0) !== undefined ? { rps: intOption(o, 'rps', 0)! } : {}),
      ...(intOption(o, 'connections', 1) !== undefined ? { connections: intOption(o, 'connections', 1)! } : {}),
      ...(duration ? { duration } : {}),
      ...(o.get('method') ? { method: o.get('method')!.at(-1)! } : {}),
      ...(headerOptions(o.get('header')) ? { headers: headerOptions(o.get('header'))! } : {}),
      ...(cookieOptions(o.get('cookie')) ? { cookies: cookieOptions(o.get('cookie'))! } : {}),
      ...(o.get('body') ? { body: o.get('body')!.at(-1)! } : {}),
      ...(o.get('content-type') ? { contentType: o.get('content-type')!.at(-1)! } : {}),
    };

    try {
      const input = a.positionals[0] !== undefined ? readInput(a.positionals[0], io) : undefined;
      const profileFile = o.get('profile')?.at(-1);
      let profile: TPerfProfile | undefined;
      if (profileFile) {
        const text = decodePatternBytes(readBytes(profileFile, io.cwd)).text;
        profile = validateProfile(parseDocument(text, profileFile), profileFile);
      } else if (input?.kind === 'profile') profile = input.profile;
      if (!input && !profile) throw new UsageError('perf needs a FILE or URL (or --profile)');

      let perfTarget: TPerfTarget = { kind: 'url' };
      if (input?.kind === 'pattern') {
        if (target === 'url') throw new UsageError(`${input.file} is a pattern: it runs on --target sandbox`);
        const catalogs = o.get('catalog') ?? [findCatalogDir(io.cwd)].filter((d): d is string => d !== undefined);
        const parsed = parsePattern(input.bytes, { params: paramsFromOptions(o.get('param')), loadInclude: createIncludeLoader(input.file, io.cwd, catalogs) });
        if (!parsed.pattern) {
          for (const d of parsed.diagnostics) io.stderr(`${formatDiagnosticLine(path.normalize(input.file), d)}\n`);
          io.stderr(`${input.file}: not run: the pattern has errors\n`);
          return 1;
        }
        perfTarget = { kind: 'sandbox', pattern: parsed.pattern, ...(o.get('service') ? { service: o.get('service')!.at(-1)! } : {}), ...(a.flags.has('keep') ? { keep: true } : {}) };
      } else if (target === 'sandbox') throw new UsageError('--target sandbox needs a pattern FILE');

      if (input?.kind === 'url') overrides.url = input.url;
      // Without a profile the run is named after what it loads.
      const named = overrides.name ?? (perfTarget.kind === 'sandbox' ? `perf ${perfTarget.pattern.metadata.name}` : `perf ${overrides.url}`);
      profile = profile ? overrideProfile(profile, overrides) : profileFromOptions({ ...overrides, name: named });

      const run = await runPerf({
        profile,
        target: perfTarget,
        ...(workers ? { workers } : {}),
        ...(threads ? { threads } : {}),
        ...(timeoutMs ? { timeoutMs } : {}),
        ...(a.flags.has('quiet') ? {} : { onProgress: (m: string) => io.stderr(`… ${m}\n`) }),
      });
      let written: string | undefined;
      if (out) {
        const doc = toSmpDocument(run);
        const file = path.resolve(io.cwd, out);
        const yaml = /\.ya?ml$/i.test(out);
        writeFileSync(file, yaml ? smpToYaml(doc) : smpToJson(doc));
        written = `${out} (SMP ${yaml ? 'YAML' : 'JSON'})`;
      }
      io.stdout(formatSummary(run, written));
      return 0;
    } catch (e) {
      if (e instanceof UnreadableFileError) {
        io.stderr(`meshloom: ${e.message}\n`);
        return 2;
      }
      if (isPerfError(e)) {
        io.stderr(`meshloom perf: ${e.describe()}\n`);
        return 1;
      }
      throw e;
    }
  },
};

export default perf;
