import type { ServiceOptions } from '../types';
import {
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

export interface CreatePatternOptions extends ServiceOptions {
  /** The pattern file (YAML); stored verbatim. Its metadata.name becomes the pattern's name. */
  text: string;
  /** Default `private`. */
  visibility?: Visibility;
  /** Message of revision 1; default "Created". */
  message?: string;
}

/**
 * Creates a pattern owned by the actor, with revision 1.
 * BAD_REQUEST (with diagnostics) when the text does not validate; CONFLICT when the name is taken.
 */
export async function createPattern({ db, actor, text, visibility = 'private', message }: CreatePatternOptions): Promise<PatternDetail> {
  const writer = requireWriter(actor);
  const pattern = parseOrThrow(text);
  const columns = metadataColumns(pattern);
  try {
    const row = await db.$transaction(async (tx) => {
      if (await tx.pattern.findUnique({ where: { name: columns.name }, select: { id: true } })) throw nameTaken(columns.name);
      const created = await tx.pattern.create({
        data: { ...columns, text, visibility, source: 'user', version: 1, ownerId: writer.id },
      });
      await tx.revision.create({ data: { patternId: created.id, number: 1, text, message: message ?? 'Created', authorId: writer.id } });
      return tx.pattern.findUniqueOrThrow({ where: { id: created.id }, include: patternInclude });
    });
    return toDetail(row, actor);
  } catch (e) {
    if (isUniqueViolation(e)) throw nameTaken(columns.name);
    throw e;
  }
}

