// Internal helpers of the pattern services: DTO mapping, visibility rules, text → row fields.
import { parsePattern, type TPattern } from '@/patterns/language';
import { featuresOf } from '@/patterns/language/features';
import { type Db, type DbTransaction, dbProvider, Prisma } from '@/server/db';
import { ServiceError } from '../errors';
import type { Actor } from '../types';

/** Who may see a pattern: public and unlisted → anyone; private → its owner and admins. */
export const VISIBILITIES = ['public', 'unlisted', 'private'] as const;
export type Visibility = (typeof VISIBILITIES)[number];
/** Where a pattern came from: the shipped catalog (no owner) or a user. */
export type PatternSource = 'catalog' | 'user';

/** A pattern as lists show it. Dates are ISO-8601 strings (JSON-safe with or without a transformer). */
export interface PatternSummary {
  name: string;
  title: string;
  category: string;
  tags: string[];
  summary: string;
  visibility: Visibility;
  source: PatternSource;
  /** The owner's display name; absent for catalog patterns (or a deleted owner). */
  ownerName?: string;
  /** Optimistic-concurrency token: pass it back as `expectedVersion` when saving. */
  version: number;
  updatedAt: string;
}

/** A pattern with its file, as the detail page and the editor need it. */
export interface PatternDetail extends PatternSummary {
  /** The pattern file exactly as saved. */
  text: string;
  description: string;
  ownerId: string | null;
  /** Name of the pattern this one was forked from, if it still exists. */
  forkedFrom: string | null;
  /** True when the asking actor may update, revert or delete it. */
  canEdit: boolean;
  createdAt: string;
}

export const patternInclude = {
  owner: { select: { name: true } },
  forkedFrom: { select: { name: true } },
} as const;

type PatternRow = Prisma.PatternGetPayload<{ include: typeof patternInclude }>;

export function toSummary(row: PatternRow): PatternSummary {
  return {
    name: row.name,
    title: row.title,
    category: row.category,
    tags: parseTags(row.tags),
    summary: row.summary,
    visibility: row.visibility as Visibility,
    source: row.source as PatternSource,
    ...(row.owner ? { ownerName: row.owner.name } : {}),
    version: row.version,
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function toDetail(row: PatternRow, actor: Actor): PatternDetail {
  return {
    ...toSummary(row),
    text: row.text,
    description: row.description,
    ownerId: row.ownerId,
    forkedFrom: row.forkedFrom?.name ?? null,
    canEdit: canEdit(actor, row),
    createdAt: row.createdAt.toISOString(),
  };
}

function parseTags(json: string): string[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((t): t is string => typeof t === 'string') : [];
  } catch {
    return [];
  }
}

export function canSee(actor: Actor, row: { visibility: string; ownerId: string | null }): boolean {
  if (row.visibility !== 'private') return true;
  return actor !== null && (actor.role === 'admin' || actor.id === row.ownerId);
}

/** Owners (with a writing role) and admins. Catalog patterns have no owner: admins only. */
export function canEdit(actor: Actor, row: { ownerId: string | null }): boolean {
  if (!actor) return false;
  if (actor.role === 'admin') return true;
  return actor.role !== 'viewer' && row.ownerId !== null && actor.id === row.ownerId;
}

/** The signed-in actor with a writing role, or a ServiceError. */
export function requireWriter(actor: Actor): NonNullable<Actor> {
  if (!actor) throw new ServiceError('UNAUTHORIZED', 'Sign in to do this.');
  if (actor.role === 'viewer') throw new ServiceError('FORBIDDEN', 'Viewers cannot change patterns.');
  return actor;
}

/** The pattern `name` if the actor may see it; NOT_FOUND otherwise (a private pattern's existence is not revealed). */
export async function findVisible(db: Db | DbTransaction, actor: Actor, name: string): Promise<PatternRow> {
  const row = await db.pattern.findUnique({ where: { name }, include: patternInclude });
  if (!row || !canSee(actor, row)) throw new ServiceError('NOT_FOUND', `No pattern named "${name}".`);
  return row;
}

/** Like {@link findVisible}, then FORBIDDEN unless the actor may edit it. */
export async function findEditable(db: Db | DbTransaction, actor: Actor, name: string): Promise<PatternRow> {
  const row = await findVisible(db, actor, name);
  if (!canEdit(actor, row)) throw new ServiceError('FORBIDDEN', `You may not change "${name}": it belongs to someone else.`);
  return row;
}

/** Validates a pattern file; BAD_REQUEST with the diagnostics when it has errors. */
export function parseOrThrow(text: string): TPattern {
  const result = parsePattern(text);
  if (!result.ok || !result.pattern) {
    const diagnostics = result.diagnostics.filter((d) => d.severity === 'error');
    const first = diagnostics[0] ?? result.diagnostics[0];
    throw new ServiceError(
      'BAD_REQUEST',
      `The pattern has ${diagnostics.length || 1} error(s)${first ? `; first: ${first.message} (line ${first.line})` : ''}.`,
      result.diagnostics,
    );
  }
  return result.pattern;
}

/** The row columns a pattern file determines (metadata, denormalized for listing and search). */
export function metadataColumns(pattern: TPattern) {
  const m = pattern.metadata;
  return {
    name: m.name,
    title: m.title,
    category: m.category,
    tags: JSON.stringify(m.tags),
    summary: m.summary,
    description: m.description,
    searchText: [m.name, m.title, m.summary, m.tags.join(' '), m.description].join('\n').toLowerCase(),
    features: JSON.stringify(featuresOf(pattern)),
  };
}

export function isUniqueViolation(e: unknown): boolean {
  return e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002';
}

export function nameTaken(name: string): ServiceError {
  return new ServiceError('CONFLICT', `A pattern named "${name}" already exists; choose another metadata.name.`);
}

/** A case-insensitive substring filter on both databases (SQLite's LIKE already ignores ASCII case). */
export function containsInsensitive(db: Db, text: string): Prisma.StringFilter {
  return dbProvider(db) === 'postgresql'
    ? ({ contains: text, mode: 'insensitive' } as unknown as Prisma.StringFilter)
    : { contains: text };
}
