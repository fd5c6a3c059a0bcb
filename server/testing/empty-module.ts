// Stands in for the 'server-only' guard package under vitest (Next.js enforces it in builds).
export {};
