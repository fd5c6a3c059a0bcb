/**
 * The HTTP/1.1 wire of the built-in load generator: one request serialised once into a Buffer
 * (written as is for every request of a run), and a minimal incremental response parser — status
 * line, the three headers that decide framing (content-length, transfer-encoding: chunked,
 * connection: close), then the body skipped by length, by chunks, or until the connection closes.
 * It never copies a body and keeps no header it does not need: it exists to count responses
 * quickly, not to read them.
 */

export interface TRequestWire {
  method: string;
  /** Origin-form target: path plus query. */
  path: string;
  /** host:port as sent in the Host header. */
  host: string;
  headers: Record<string, string>;
  body?: string;
}

/** The request as bytes; Host and Content-Length (when there is a body) are added (HTTP/1.1 keeps the connection alive by default). */
export function serializeRequest(r: TRequestWire): Buffer {
  const lines = [`${r.method} ${r.path} HTTP/1.1`, `Host: ${r.host}`];
  const seen = new Set<string>();
  for (const [k, v] of Object.entries(r.headers)) {
    const name = k.toLowerCase();
    if (name === 'host' || name === 'content-length' || name === 'transfer-encoding') continue;
    if (/[\r\n]/.test(k) || /[\r\n]/.test(v)) throw new Error(`header ${k}: CR/LF not allowed`);
    seen.add(name);
    lines.push(`${k}: ${v}`);
  }
  const body = r.body === undefined ? undefined : Buffer.from(r.body, 'utf8');
  if (body !== undefined || !['GET', 'HEAD', 'DELETE', 'OPTIONS'].includes(r.method)) lines.push(`Content-Length: ${body?.length ?? 0}`);
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  return body ? Buffer.concat([head, body]) : head;
}

const CR = 13;
const LF = 10;
const MAX_HEAD = 64 * 1024;

/** What the parser reports for each complete response. */
export interface TResponseSink {
  /** A whole response was read; `close` when the server will close the connection after it. */
  onResponse(status: number, close: boolean): void;
  /** The bytes do not form an HTTP/1.x response (the connection must be dropped). */
  onParseError(reason: string): void;
}

const enum S {
  Head,
  Body,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
  UntilClose,
}

/** True when the bytes at `i` spell `word` (ASCII, case-insensitive; `word` is lower case). */
function startsWithLower(buf: Uint8Array, i: number, end: number, word: string): boolean {
  if (end - i < word.length) return false;
  for (let k = 0; k < word.length; k++) {
    const c = buf[i + k]!;
    const lower = c >= 65 && c <= 90 ? c + 32 : c;
    if (lower !== word.charCodeAt(k)) return false;
  }
  return true;
}

/** Whether the header value from `i` to `end` contains `word` (ASCII, case-insensitive; `word` lower case). */
function valueHas(buf: Uint8Array, i: number, end: number, word: string): boolean {
  const last = end - word.length;
  for (let k = i; k <= last; k++) if (startsWithLower(buf, k, end, word)) return true;
  return false;
}

/** Whether the header value from `i` to `end` ends with `word` (trailing blanks ignored; `word` lower case). */
function valueEndsWith(buf: Uint8Array, i: number, end: number, word: string): boolean {
  while (end > i && (buf[end - 1] === 32 || buf[end - 1] === 9)) end--;
  return end - i >= word.length && startsWithLower(buf, end - word.length, end, word);
}

/**
 * Incremental parser for the responses of one connection. `feed` takes bytes as they arrive
 * (the buffer may be reused by the caller afterwards: anything kept is copied). `expectNoBody`
 * is set for HEAD requests.
 */
export class ResponseParser {
  private state = S.Head;
  private pending: Buffer | null = null;
  private remaining = 0;
  private status = 0;
  private close = false;
  expectNoBody = false;

  constructor(private readonly sink: TResponseSink) {}

  reset(): void {
    this.state = S.Head;
    this.pending = null;
    this.remaining = 0;
  }

  /** Whether a response has started but not finished (its bytes are partly read). */
  get midResponse(): boolean {
    return this.state !== S.Head || this.pending !== null;
  }

  /** The connection closed: completes a read-until-close body; false if a response was cut short. */
  end(): boolean {
    if (this.state === S.UntilClose) {
      this.state = S.Head;
      this.sink.onResponse(this.status, true);
      return true;
    }
    return !this.midResponse;
  }

  feed(chunk: Buffer, len: number): void {
    let buf: Buffer = chunk;
    let i = 0;
    let end = len;
    if (this.pending) {
      buf = Buffer.concat([this.pending, chunk.subarray(0, len)]);
      this.pending = null;
      end = buf.length;
    }
    while (i < end) {
      switch (this.state) {
        case S.Head: {
          const next = this.head(buf, i, end);
          if (next < 0) {
            if (next === -1) this.keep(buf, i, end);
            return;
          }
          i = next;
          break;
        }
        case S.Body: {
          const n = Math.min(this.remaining, end - i);
          this.remaining -= n;
          i += n;
          if (this.remaining === 0) this.done();
          break;
        }
        case S.ChunkSize: {
          const lf = buf.indexOf(LF, i);
          if (lf < 0 || lf >= end) {
            this.keep(buf, i, end);
            return;
          }
          let size = 0;
          let k = i;
          let digits = 0;
          for (; k < lf; k++) {
            const c = buf[k]!;
            const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
            if (d < 0) break;
            size = size * 16 + d;
            digits++;
          }
          if (digits === 0) return this.fail('bad chunk size');
          i = lf + 1;
          if (size === 0) this.state = S.Trailers;
          else {
            this.remaining = size;
            this.state = S.ChunkData;
          }
          break;
        }
        case S.ChunkData: {
          const n = Math.min(this.remaining, end - i);
          this.remaining -= n;
          i += n;
          if (this.remaining === 0) {
            this.state = S.ChunkDataEnd;
            this.remaining = 2;
          }
          break;
        }
        case S.ChunkDataEnd: {
          // The CRLF after a chunk's data.
          const n = Math.min(this.remaining, end - i);
          this.remaining -= n;
          i += n;
          if (this.remaining === 0) this.state = S.ChunkSize;
          break;
        }
        case S.Trailers: {
          // Trailer lines until an empty line.
          const lf = buf.indexOf(LF, i);
          if (lf < 0 || lf >= end) {
            this.keep(buf, i, end);
            return;
          }
          const empty = lf === i || (lf === i + 1 && buf[i] === CR);
          i = lf + 1;
          if (empty) this.done();
          break;
        }
        case S.UntilClose:
          return;
      }
    }
  }

  private keep(buf: Buffer, from: number, end: number): void {
    if (end - from > MAX_HEAD && (this.state === S.Head || this.state === S.Trailers)) return this.fail('response head larger than 64 KiB');
    this.pending = Buffer.from(buf.subarray(from, end));
  }

  private fail(reason: string): void {
    this.reset();
    this.sink.onParseError(reason);
  }

  private done(): void {
    this.state = S.Head;
    this.sink.onResponse(this.status, this.close);
  }

  /**
   * Parses a response head starting at `i`. Returns the index after it, -1 when the head is
   * incomplete, -2 after a parse error.
   */
  private head(buf: Buffer, i: number, end: number): number {
    // "HTTP/1.x NNN"
    if (end - i < 12) {
      // Not even a status line yet (or garbage): wait for more unless it cannot be HTTP.
      if (!startsWithLower(buf, i, end, 'http/1.'.slice(0, Math.min(7, end - i)))) {
        this.fail('not an HTTP/1.x response');
        return -2;
      }
      return -1;
    }
    if (!startsWithLower(buf, i, end, 'http/1.')) {
      this.fail('not an HTTP/1.x response');
      return -2;
    }
    const s0 = buf[i + 9]! - 48;
    const s1 = buf[i + 10]! - 48;
    const s2 = buf[i + 11]! - 48;
    if (s0 < 1 || s0 > 9 || s1 < 0 || s1 > 9 || s2 < 0 || s2 > 9) {
      this.fail('bad status line');
      return -2;
    }
    const status = s0 * 100 + s1 * 10 + s2;
    const http10 = buf[i + 7] === 48;
    let contentLength = -1;
    let chunked = false;
    let close = http10;
    // Header lines: each ends with LF (CRLF tolerated); the head ends with an empty line.
    let line = buf.indexOf(LF, i);
    if (line < 0 || line >= end) return -1;
    let p = line + 1;
    for (;;) {
      const lf = buf.indexOf(LF, p);
      if (lf < 0 || lf >= end) return -1;
      const lineEnd = lf > p && buf[lf - 1] === CR ? lf - 1 : lf;
      if (lineEnd === p) {
        p = lf + 1;
        break;
      }
      const c = buf[p]! | 0x20;
      if (c === 99 /* c */) {
        if (startsWithLower(buf, p, lineEnd, 'content-length:')) {
          let n = 0;
          let digits = 0;
          for (let k = p + 15; k < lineEnd; k++) {
            const d = buf[k]!;
            if (d === 32 || d === 9) continue;
            if (d < 48 || d > 57) {
              this.fail('bad content-length');
              return -2;
            }
            n = n * 10 + (d - 48);
            digits++;
          }
          if (digits === 0) {
            this.fail('bad content-length');
            return -2;
          }
          contentLength = n;
        } else if (startsWithLower(buf, p, lineEnd, 'connection:')) {
          if (valueHas(buf, p + 11, lineEnd, 'close')) close = true;
          else if (valueHas(buf, p + 11, lineEnd, 'keep-alive')) close = false;
        }
      } else if (c === 116 /* t */ && startsWithLower(buf, p, lineEnd, 'transfer-encoding:')) {
        if (valueEndsWith(buf, p + 18, lineEnd, 'chunked')) chunked = true;
      }
      p = lf + 1;
      line = lf;
    }
    if (p - i > MAX_HEAD) {
      this.fail('response head larger than 64 KiB');
      return -2;
    }
    this.status = status;
    this.close = close;
    if (status < 200) {
      // 1xx: an interim response; the real one follows.
      return p;
    }
    if (this.expectNoBody || status === 204 || status === 304) this.done();
    else if (chunked) this.state = S.ChunkSize;
    else if (contentLength >= 0) {
      if (contentLength === 0) this.done();
      else {
        this.remaining = contentLength;
        this.state = S.Body;
      }
    } else {
      this.close = true;
      this.state = S.UntilClose;
    }
    return p;
  }
}
