import type { DbTransaction } from '@/server/db';
import { ServiceError } from '../errors';
import type { Actor, ServiceOptions } from '../types';
import {
  findEditable,
  isUniqueViolation,
  metadataColumns,
  nameTaken,
  parseOrThrow,
  patternInclude,
  type PatternDetail,
  toDetail,
  requireWriter,
  type Visibility,
} from './shared';

export interface UpdatePatternOptions extends ServiceOptions {
  name: string;
  /** The new pattern file. Its metadata.name may differ from `name`: a rename, refused if taken. */
  text: string;
  /** The version the edit was based on; CONFLICT (nothing written) when it is no longer current. */
  expectedVersion: number;
  message?: string;
  visibility?: Visibility;
}

/**
 * Saves a new version of a pattern: in one transaction, a conditional update
 * (`version = expectedVersion`) and revision `expectedVersion + 1`. Of concurrent saves from the
 * same version exactly one wins; the others get CONFLICT and write nothing.
 * UNAUTHORIZED/FORBIDDEN unless the actor owns the pattern (or is admin); BAD_REQUEST on an invalid text.
 */
export async function updatePattern({ db, actor, name, text, expectedVersion, message, visibility }: UpdatePatternOptions): Promise<PatternDetail> {
  requireWriter(actor);
  const pattern = parseOrThrow(text);
  try {
    const row = await db.$transaction((tx) =>
      saveVersion(tx, actor, { name, text, expectedVersion, message: message ?? '', visibility, columns: metadataColumns(pattern) }),
    );
    return toDetail(row, actor);
  } catch (e) {
    if (isUniqueViolation(e)) throw nameTaken(pattern.metadata.name);
    throw e;
  }
}

interface SaveVersion {
  name: string;
  text: string;
  expectedVersion: number;
  message: string;
  visibility: Visibility | undefined;
  columns: ReturnType<typeof metadataColumns>;
}

/** The write shared by update and revert. Runs inside the caller's transaction. */
export async function saveVersion(tx: DbTransaction, actor: Actor, save: SaveVersion) {
  const current = await findEditable(tx, actor, save.name);
  if (current.version !== save.expectedVersion) throw staleVersion(save.name, save.expectedVersion, current.version);
  const newName = save.columns.name;
  if (newName !== current.name && (await tx.pattern.findUnique({ where: { name: newName }, select: { id: true } }))) {
    throw nameTaken(newName);
  }
  // The guard that matters under concurrency: another save may have committed since the read above.
  const { count } = await tx.pattern.updateMany({
    where: { id: current.id, version: save.expectedVersion },
    data: { ...save.columns, text: save.text, version: { increment: 1 }, ...(save.visibility ? { visibility: save.visibility } : {}) },
  });
  if (count !== 1) {
    const now = await tx.pattern.findUnique({ where: { id: current.id }, select: { version: true } });
    throw staleVersion(save.name, save.expectedVersion, now?.version);
  }
  await tx.revision.create({
    data: { patternId: current.id, number: save.expectedVersion + 1, text: save.text, message: save.message, authorId: actor?.id ?? null },
  });
  return tx.pattern.findUniqueOrThrow({ where: { id: current.id }, include: patternInclude });
}

function staleVersion(name: string, expected: number, current: number | undefined): ServiceError {
  return new ServiceError(
    'CONFLICT',
    current === undefined
      ? `"${name}" was deleted while you were editing it.`
      : `"${name}" was changed by someone else: you edited version ${expected}, the current version is ${current}. Reload it and apply your change again.`,
  );
}
