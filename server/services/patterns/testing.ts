// Fixtures for the pattern service tests.
import { randomUUID } from 'node:crypto';
import type { Db } from '@/server/db';
import type { Actor, Role } from '../types';

/** A minimal valid pattern file. */
export function patternText(name: string, opts: { title?: string; summary?: string; tags?: string[]; category?: string } = {}): string {
  return [
    '# a comment that must survive',
    'apiVersion: meshloom.dev/v1alpha1',
    'kind: Pattern',
    'metadata:',
    `  name: ${name}`,
    `  title: ${JSON.stringify(opts.title ?? `Title of ${name}`)}`,
    `  category: ${opts.category ?? 'resiliency'}`,
    `  tags: ${JSON.stringify(opts.tags ?? ['retry'])}`,
    `  summary: ${JSON.stringify(opts.summary ?? 'a summary')}`,
    'spec: {}',
    '',
  ].join('\n');
}

/** A user row and the actor for it. */
export async function createUser(db: Db, role: Role, name = `${role} ${randomUUID().slice(0, 6)}`): Promise<NonNullable<Actor>> {
  const id = randomUUID();
  await db.user.create({ data: { id, name, email: `${id}@example.test`, role } });
  return { id, role };
}
