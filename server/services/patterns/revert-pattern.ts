import { ServiceError } from '../errors';
import type { ServiceOptions } from '../types';
import { saveVersion } from './update-pattern';
import { findEditable, isUniqueViolation, metadataColumns, nameTaken, parseOrThrow, type PatternDetail, requireWriter, toDetail } from './shared';

export interface RevertPatternOptions extends ServiceOptions {
  name: string;
  /** The revision number whose text becomes the new version. */
  revision: number;
  /** As for updates: CONFLICT when the pattern moved on. */
  expectedVersion: number;
  /** Default "Reverted to revision N". */
  message?: string;
}

/**
 * Makes revision N's text current again as a NEW revision (history is never rewritten).
 * NOT_FOUND when N does not exist; otherwise the same rules as {@link updatePattern}.
 */
export async function revertPattern({ db, actor, name, revision, expectedVersion, message }: RevertPatternOptions): Promise<PatternDetail> {
  requireWriter(actor);
  const pattern = await findEditable(db, actor, name);
  const old = await db.revision.findUnique({ where: { patternId_number: { patternId: pattern.id, number: revision } } });
  if (!old) throw new ServiceError('NOT_FOUND', `"${name}" has no revision ${revision}.`);
  const parsed = parseOrThrow(old.text);
  try {
    const row = await db.$transaction((tx) =>
      saveVersion(tx, actor, {
        name,
        text: old.text,
        expectedVersion,
        message: message ?? `Reverted to revision ${revision}`,
        visibility: undefined,
        columns: metadataColumns(parsed),
      }),
    );
    return toDetail(row, actor);
  } catch (e) {
    if (isUniqueViolation(e)) throw nameTaken(parsed.metadata.name);
    throw e;
  }
}
