/**
 * The pattern language's public surface. Universal code: browser, server and CLI import
 * from here; it imports nothing from Next, React, tRPC or Prisma.
 */
export * from './schema';
export * from './diagnostics';
export * from './parse';
export * from './serialize';
export * from './json-schema';
