/**
 * Stateless share links: the whole pattern file travels in the URL fragment (never sent to a
 * server), deflated and base64url-encoded: `/designer#v1.<data>`.
 */
import { PARSE_LIMITS } from './diagnostics';

/** Longer links break in chat tools, mail clients and some browsers: suggest a saved link instead. */
export const SHARE_URL_LIMIT = 8000;
const PREFIX = 'v1.';

async function pipe(bytes: Uint8Array, stream: CompressionStream | DecompressionStream, limit: number): Promise<Uint8Array> {
  const reader = new Blob([bytes as BlobPart]).stream().pipeThrough(stream).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new RangeError('too large');
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

function toBase64Url(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(s: string): Uint8Array {
  const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The fragment (without '#') that carries `text`. */
export async function encodeShareFragment(text: string): Promise<string> {
  const deflated = await pipe(new TextEncoder().encode(text), new CompressionStream('deflate-raw'), Number.MAX_SAFE_INTEGER);
  return PREFIX + toBase64Url(deflated);
}

export type TShareDecode = { ok: true; text: string } | { ok: false; code: 'ML6001' | 'ML6002' | 'ML6003'; message: string };

/** The pattern text in a share fragment; a coded error for anything else (never throws). */
export async function decodeShareFragment(fragment: string): Promise<TShareDecode> {
  const f = fragment.startsWith('#') ? fragment.slice(1) : fragment;
  if (!f.startsWith(PREFIX)) return { ok: false, code: 'ML6001', message: 'this link does not carry a Meshloom design (unknown format)' };
  try {
    const bytes = await pipe(fromBase64Url(f.slice(PREFIX.length)), new DecompressionStream('deflate-raw'), PARSE_LIMITS.maxBytes);
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch (e) {
    if (e instanceof RangeError && e.message === 'too large') return { ok: false, code: 'ML6003', message: `the design in this link is larger than ${PARSE_LIMITS.maxBytes} bytes` };
    return { ok: false, code: 'ML6002', message: 'this link is damaged: its design cannot be read (was it cut short?)' };
  }
}
