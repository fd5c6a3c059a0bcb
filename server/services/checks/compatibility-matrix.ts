import { parsePattern } from '@/patterns/language';
import { FEATURE_IDS, FEATURES, featuresOf, type TFeature } from '@/patterns/language/features';
import { MESH_IDS, type TMeshId } from '@/patterns/language/schema';
import type { TCapability } from '@/server/adapters/capability';
import { ADAPTERS } from '@/server/adapters/registry';
import type { TStepResult } from '@/server/checks/conformance/types';
import type { Db } from '@/server/db';
import type { TTargetId } from '@/server/targets/types';
import { parseJson } from '../deploy/dto';
import { findVisible } from '../patterns/shared';
import type { Actor } from '../types';
import { featureVerdict, tallyFeatures } from './features';

/** The latest measured result of one feature on one mesh. */
export interface TMeasuredDto {
  status: 'passed' | 'failed';
  passed: number;
  failed: number;
  skipped: number;
  runId: string;
  target: TTargetId;
  versions: Record<string, string>;
  /** When it was measured (the run's end). */
  at: string;
}

export interface TMatrixCellDto {
  mesh: TMeshId;
  feature: TFeature;
  declared: TCapability;
  measured: TMeasuredDto | null;
}

export interface TCompatibilityMatrixDto {
  meshes: { id: TMeshId; title: string; targets: string }[];
  features: { id: TFeature; title: string; group: string }[];
  /** One per mesh × feature, features outer, meshes inner (both in their canonical order). */
  cells: TMatrixCellDto[];
  /** The per-pattern view: whose features the rows are, measured by its own behaviour runs. */
  pattern: { name: string; title: string } | null;
}

/**
 * Mesh × feature: the capability each adapter declares, and the latest measured result.
 * Without a pattern: every feature, measured by any run (the CheckFeatureResult rows — one per
 * target × mesh × feature — so this is one small read). With a pattern the actor may see: its
 * features only, measured by its latest behaviour result per mesh.
 */
export async function getCompatibilityMatrix({ db, actor, pattern }: { db: Db; actor: Actor; pattern?: string }): Promise<TCompatibilityMatrixDto> {
  const meshes = MESH_IDS.map((id) => ({ id, title: ADAPTERS[id].title, targets: ADAPTERS[id].targets }));
  const measured = new Map<string, TMeasuredDto>();
  const keep = (mesh: string, feature: string, m: TMeasuredDto) => {
    const key = `${mesh}/${feature}`;
    const had = measured.get(key);
    if (!had || had.at < m.at) measured.set(key, m);
  };
  let features: TFeature[] = FEATURE_IDS;
  let about: TCompatibilityMatrixDto['pattern'] = null;

  if (pattern === undefined) {
    const rows = await db.checkFeatureResult.findMany({ include: { run: { select: { versions: true } } } });
    for (const r of rows) {
      if (r.status !== 'passed' && r.status !== 'failed') continue;
      keep(r.mesh, r.feature, {
        status: r.status,
        passed: r.passed,
        failed: r.failed,
        skipped: r.skipped,
        runId: r.runId,
        target: r.target as TTargetId,
        versions: parseJson<Record<string, string>>(r.run.versions, {}),
        at: r.measuredAt.toISOString(),
      });
    }
  } else {
    const row = await findVisible(db, actor, pattern);
    const parsed = parsePattern(row.text);
    features = parsed.pattern ? featuresOf(parsed.pattern) : parseJson<TFeature[]>(row.features, []).filter((f) => f in FEATURES);
    about = { name: row.name, title: row.title };
    const suites = await db.checkSuiteResult.findMany({
      where: { pattern: row.name, suite: 'behaviour' },
      orderBy: { finishedAt: 'desc' },
      take: 100,
      include: { run: { select: { versions: true } } },
    });
    const seen = new Set<string>();
    for (const s of suites) {
      if (seen.has(s.mesh)) continue;
      seen.add(s.mesh);
      for (const t of tallyFeatures(parseJson<TStepResult[]>(s.steps, []), () => ({ patternFeatures: features }))) {
        const status = featureVerdict(t);
        if (!status) continue;
        keep(s.mesh, t.feature, {
          status,
          passed: t.passed,
          failed: t.failed,
          skipped: t.skipped,
          runId: s.runId,
          target: s.target as TTargetId,
          versions: parseJson<Record<string, string>>(s.run.versions, {}),
          at: s.finishedAt.toISOString(),
        });
      }
    }
  }
  return {
    meshes,
    features: features.map((id) => ({ id, title: FEATURES[id].title, group: FEATURES[id].group })),
    cells: features.flatMap((feature) => MESH_IDS.map((mesh) => ({ mesh, feature, declared: ADAPTERS[mesh].capabilities[feature], measured: measured.get(`${mesh}/${feature}`) ?? null }))),
    pattern: about,
  };
}
