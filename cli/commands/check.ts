import { register } from 'node:module';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TCheckProgress, TCheckRun, TStepResult, TSuiteGroup } from '../../server/checks/conformance/types';
import { parseArgs } from '../args';
import { readBytes } from '../files';
import { UsageError, type TCliIO, type TCommand } from '../types';

const GROUPS: readonly TSuiteGroup[] = ['smi', 'gamma', 'behaviour'];
const TARGETS = ['sandbox', 'kubernetes'] as const;

/**
 * The conformance engine runs where the app's server code runs: it reaches the deploy targets
 * through server/targets/registry.ts, which imports the `server-only` guard. Next.js resolves that
 * guard with the `react-server` condition (an empty module); this process is server-side too, so
 * it resolves it the same way. Registered once, before the engine is imported.
 */
let serverResolution = false;
function resolveAsServer(): void {
  if (serverResolution) return;
  serverResolution = true;
  const hooks = `export async function resolve(specifier, context, next) {
  if (specifier === 'server-only') return next(specifier, { ...context, conditions: [...context.conditions, 'react-server'] });
  return next(specifier, context);
}`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`);
}

const flat = (s: string | undefined) => (s ?? '').replace(/\s*\n\s*/g, ' ');

/** `PASSED  smi-split 6/11  100/0 → b gets all (412 ms)`; FAILED adds expected/observed, SKIPPED the reason. */
export function formatStep(r: TStepResult, total: number, pattern?: string): string {
  const where = `${r.suite}${pattern ? `[${pattern}]` : ''} ${r.index}/${total}`;
  const head = `${r.status.padEnd(8)}${where}  ${r.name} (${r.durationMs} ms)`;
  if (r.status === 'FAILED') return `${head}  expected: ${flat(r.expected)}  observed: ${flat(r.observed)}`;
  if (r.status === 'SKIPPED') return `${head}  reason: ${flat(r.reason)}`;
  return head;
}

function groupsOf(values: string[] | undefined): TSuiteGroup[] | undefined {
  if (!values) return undefined;
  const out: TSuiteGroup[] = [];
  for (const v of values.flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean)) {
    if (!(GROUPS as readonly string[]).includes(v)) throw new UsageError(`unknown suite '${v}' (one of ${GROUPS.join(', ')})`);
    if (!out.includes(v as TSuiteGroup)) out.push(v as TSuiteGroup);
  }
  if (out.length === 0) throw new UsageError('--suite needs a value');
  return out;
}

const check: TCommand = {
  name: 'check',
  summary: 'run conformance suites (SMI, GAMMA, pattern behaviour) on a deploy target; one line per step',
  usage: 'meshloom check conformance --target sandbox|kubernetes [--suite smi|gamma|behaviour]... [--json FILE] [PATTERN_FILE...]',
  async run(args: string[], io: TCliIO) {
    const a = parseArgs(args, { options: ['target', 'suite', 'json'] });
    const [kind, ...files] = a.positionals;
    if (kind !== 'conformance') throw new UsageError(kind === undefined ? 'which check? (conformance)' : `unknown check '${kind}' (conformance)`);
    const targetValues = a.options.get('target');
    if (!targetValues) throw new UsageError('--target is required (sandbox or kubernetes)');
    if (targetValues.length > 1) throw new UsageError('--target takes one value');
    const target = targetValues[0]!;
    if (!(TARGETS as readonly string[]).includes(target)) throw new UsageError(`unknown target '${target}' (sandbox or kubernetes)`);
    const jsonValues = a.options.get('json');
    if (jsonValues && jsonValues.length > 1) throw new UsageError('--json takes one FILE');
    let suites = groupsOf(a.options.get('suite'));
    // Pattern files are what the behaviour suite checks.
    if (files.length && suites && !suites.includes('behaviour')) throw new UsageError('PATTERN_FILE arguments are for the behaviour suite: add --suite behaviour');
    if (files.length && !suites) suites = ['behaviour'];
    const patterns = files.map((f) => ({ name: path.basename(f).replace(/\.ya?ml$/i, ''), text: new TextDecoder('utf-8').decode(readBytes(f, io.cwd)) }));

    resolveAsServer();
    const { runChecks } = await import('../../server/checks/conformance/engine');
    const controller = new AbortController();
    const onInterrupt = () => controller.abort();
    process.once('SIGINT', onInterrupt);
    process.once('SIGTERM', onInterrupt);
    // One line per step, printed when its suite ends (that is when "k/N" is known: N counts an
    // "undeploy" step the engine adds if the cleanup fails).
    const onProgress = (p: TCheckProgress) => {
      if (p.type !== 'suite-end') return;
      for (const step of p.result.steps) io.stdout(`${formatStep(step, p.result.steps.length, p.result.pattern)}\n`);
    };

    let run: TCheckRun;
    try {
      run = await runChecks({ target: target as (typeof TARGETS)[number], ...(suites ? { suites } : {}), ...(files.length ? { patterns } : {}), onProgress, signal: controller.signal });
    } finally {
      process.removeListener('SIGINT', onInterrupt);
      process.removeListener('SIGTERM', onInterrupt);
    }
    let unwritable = false;
    if (jsonValues) {
      try {
        writeFileSync(path.resolve(io.cwd, jsonValues[0]!), `${JSON.stringify(run, null, 2)}\n`);
      } catch (e) {
        io.stderr(`meshloom check: cannot write ${jsonValues[0]}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
        unwritable = true;
      }
    }
    io.stdout(`${run.totals.passed} passed, ${run.totals.failed} failed, ${run.totals.skipped} skipped\n`);
    if (controller.signal.aborted) return 130;
    if (run.totals.failed > 0) return 1;
    return unwritable ? 2 : 0;
  },
};

export default check;
