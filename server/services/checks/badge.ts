/**
 * A shields-style SVG badge ("conformance | passed 2026-11-25"). Every text is XML-escaped and
 * control characters are dropped, so nothing in a pattern name or a status can become markup.
 */
import type { TPatternCheckDto } from './latest-pattern-check';

const COLORS = { passed: '#2e7d32', failed: '#c62828', untested: '#78828c', unknown: '#9e9e9e' } as const;

export function escapeXml(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Approximate width of `text` in 11px Verdana (what shields measures with), in px. */
function textWidth(text: string): number {
  let w = 0;
  for (const ch of text) w += /[ilj.,:;|!'’ ]/.test(ch) ? 3.6 : /[mwMW@]/.test(ch) ? 10 : /[A-Z0-9]/.test(ch) ? 7.6 : 6.6;
  return Math.ceil(w);
}

export function renderBadgeSvg({ label, message, color }: { label: string; message: string; color: string }): string {
  const l = label.slice(0, 60);
  const m = message.slice(0, 80);
  const lw = textWidth(l) + 12;
  const mw = textWidth(m) + 12;
  const w = lw + mw;
  const fill = /^#[0-9a-f]{3,8}$/i.test(color) ? color : COLORS.unknown;
  const title = escapeXml(`${l}: ${m}`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="20" role="img" aria-label="${title}"><title>${title}</title><linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient><clipPath id="r"><rect width="${w}" height="20" rx="3" fill="#fff"/></clipPath><g clip-path="url(#r)"><rect width="${lw}" height="20" fill="#555"/><rect x="${lw}" width="${mw}" height="20" fill="${fill}"/><rect width="${w}" height="20" fill="url(#s)"/></g><g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11"><text x="${lw / 2}" y="14">${escapeXml(l)}</text><text x="${lw + mw / 2}" y="14">${escapeXml(m)}</text></g></svg>`;
}

/** The badge of a pattern's latest behaviour result; `null`: no such pattern (or not visible). */
export function patternBadgeSvg(check: TPatternCheckDto | null): string {
  if (!check) return renderBadgeSvg({ label: 'conformance', message: 'unknown pattern', color: COLORS.unknown });
  const date = check.latest ? ` ${check.latest.at.slice(0, 10)}` : '';
  const message = check.status === 'untested' ? `untested${check.latest ? ' (skipped)' : ''}` : `${check.status}${date}`;
  return renderBadgeSvg({ label: 'conformance', message, color: COLORS[check.status] });
}
