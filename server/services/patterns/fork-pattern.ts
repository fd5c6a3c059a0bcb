import { parseDocument } from 'yaml';
import { ServiceError } from '../errors';
import type { ServiceOptions } from '../types';
import {
  findVisible,
  isUniqueViolation,
  metadataColumns,
  nameTaken,
  parseOrThrow,
  patternInclude,
  type PatternDetail,
  requireWriter,
  toDetail,
  type Visibility,
} from './shared';

export interface ForkPatternOptions extends ServiceOptions {
  /** The pattern to copy (any the actor may see). */
  name: string;
  /** Name of the copy; default `<name>-fork`, then `<name>-fork-2`, … whichever is free. */
  newName?: string;
  /** Default `private`. */
  visibility?: Visibility;
}

/**
 * Copies a pattern to a new name owned by the actor, at revision 1, remembering where it came
 * from. The copy's text is the original's with only metadata.name changed (comments kept).
 * CONFLICT when `newName` is taken; BAD_REQUEST when `newName` is not a valid name.
 */
export async function forkPattern({ db, actor, name, newName, visibility = 'private' }: ForkPatternOptions): Promise<PatternDetail> {
  const writer = requireWriter(actor);
  const source = await findVisible(db, actor, name);
  const target = newName ?? (await freeForkName(db, name));
  const doc = parseDocument(source.text);
  doc.setIn(['metadata', 'name'], target);
  const text = doc.toString();
  const pattern = parseOrThrow(text);
  try {
    const row = await db.$transaction(async (tx) => {
      if (await tx.pattern.findUnique({ where: { name: target }, select: { id: true } })) throw nameTaken(target);
      const created = await tx.pattern.create({
        data: { ...metadataColumns(pattern), text, visibility, source: 'user', version: 1, ownerId: writer.id, forkedFromId: source.id },
      });
      await tx.revision.create({ data: { patternId: created.id, number: 1, text, message: `Forked from ${source.name} (version ${source.version})`, authorId: writer.id } });
      return tx.pattern.findUniqueOrThrow({ where: { id: created.id }, include: patternInclude });
    });
    return toDetail(row, actor);
  } catch (e) {
    if (isUniqueViolation(e)) throw nameTaken(target);
    throw e;
  }
}

async function freeForkName(db: ServiceOptions['db'], name: string): Promise<string> {
  const base = `${name}-fork`.slice(0, 58).replace(/-+$/, '');
  const taken = new Set(
    (await db.pattern.findMany({ where: { name: { startsWith: base } }, select: { name: true } })).map((r) => r.name),
  );
  if (!taken.has(base)) return base;
  for (let i = 2; i < 10_000; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
  throw new ServiceError('CONFLICT', `No free name for a fork of "${name}"; pass one.`);
}
