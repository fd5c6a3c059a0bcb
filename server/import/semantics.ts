/**
 * A comparable normal form of a pattern's routing, for round trips
 * (`import → render <mesh> → import again`):
 * `expect(routingSemantics(a)).toEqual(routingSemantics(b))`.
 *
 * Per route (keyed `service` or `service@gateway`): the ordered rules as (match, backends with
 * weights, timeout, retries, fault). Spellings that mean the same are made equal: a string path
 * is `{prefix}`, a string header/query match is `{exact}`, one method is a list, a missing
 * backend service is the route's, a lone backend weighs 100, durations are milliseconds, retry
 * conditions are sorted, matches and backends are in a stable order.
 */
import type { TPattern, TRouteRule } from '../../patterns/language/index';
import { durationMs } from './core';

export interface TRuleSemantics {
  match: Record<string, unknown>[];
  backends: { service: string; version: string | null; weight: number }[];
  timeoutMs: number | null;
  retries: { attempts: number; perTryTimeoutMs: number | null; on: string[]; statusCodes: number[] } | null;
  fault: { abort: { httpStatus: number; percentage: number } | null; delay: { fixedDelayMs: number; percentage: number } | null } | null;
}

function sortedJson<T>(list: T[]): T[] {
  return [...list].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : JSON.stringify(a) > JSON.stringify(b) ? 1 : 0));
}

function normalizeStringMatch(v: unknown): unknown {
  return typeof v === 'string' ? { exact: v } : v;
}

function normalizeMatch(m: TRouteRule['match'][number]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (m.path !== undefined) out.path = typeof m.path === 'string' ? { prefix: m.path } : m.path;
  if (m.method !== undefined) out.method = [...(Array.isArray(m.method) ? m.method : [m.method])].sort();
  for (const key of ['headers', 'query'] as const) {
    const map = m[key];
    if (!map || Object.keys(map).length === 0) continue;
    out[key] = Object.fromEntries(
      Object.keys(map)
        .sort()
        .map((k) => [k.toLowerCase(), normalizeStringMatch(map[k])]),
    );
  }
  if (m.from?.length) out.from = [...m.from].sort();
  return out;
}

/** Reduces a pattern to its routing semantics (see the module comment). */
export function routingSemantics(pattern: TPattern): Record<string, TRuleSemantics[]> {
  const out: Record<string, TRuleSemantics[]> = {};
  const keyed = pattern.spec.routes.map((r) => ({ key: r.gateway ? `${r.service}@${r.gateway}` : r.service, r }));
  for (const { key, r } of keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
    const rules = r.rules.map((rule): TRuleSemantics => {
      const match = rule.match.map(normalizeMatch);
      const backends = rule.backends.map((b) => ({
        service: b.service ?? r.service,
        version: b.version ?? null,
        weight: b.weight ?? (rule.backends.length === 1 ? 100 : Math.round(100 / rule.backends.length)),
      }));
      return {
        match: match.some((m) => Object.keys(m).length === 0) ? [] : sortedJson(match),
        backends: sortedJson(backends).filter((b) => b.weight > 0 || backends.length === 1),
        timeoutMs: durationMs(rule.timeout) ?? null,
        retries: rule.retries
          ? {
              attempts: rule.retries.attempts,
              perTryTimeoutMs: durationMs(rule.retries.perTryTimeout) ?? null,
              on: [...rule.retries.on].sort(),
              statusCodes: [...(rule.retries.statusCodes ?? [])].sort((a, b) => a - b),
            }
          : null,
        fault: rule.fault
          ? {
              abort: rule.fault.abort ? { httpStatus: rule.fault.abort.httpStatus, percentage: rule.fault.abort.percentage } : null,
              delay: rule.fault.delay ? { fixedDelayMs: durationMs(rule.fault.delay.fixedDelay) ?? 0, percentage: rule.fault.delay.percentage } : null,
            }
          : null,
      };
    });
    out[key] = [...(out[key] ?? []), ...rules];
  }
  return out;
}
