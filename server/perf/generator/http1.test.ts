import { describe, expect, it } from 'vitest';
import { ResponseParser, serializeRequest } from './http1';

/** Feeds `text` to a parser in pieces of `step` bytes (copied into one reused buffer, as onread does). */
function parse(text: string, step: number, o: { head?: boolean } = {}) {
  const got: { status: number; close: boolean }[] = [];
  const errors: string[] = [];
  const p = new ResponseParser({ onResponse: (status, close) => got.push({ status, close }), onParseError: (r) => errors.push(r) });
  p.expectNoBody = o.head ?? false;
  const bytes = Buffer.from(text, 'latin1');
  const reused = Buffer.alloc(64 * 1024);
  for (let i = 0; i < bytes.length; i += step) {
    const n = bytes.copy(reused, 0, i, Math.min(bytes.length, i + step));
    p.feed(reused, n);
  }
  return { got, errors, parser: p };
}

const CL = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world';
const CHUNKED = 'HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nfirst,\r\n7;ext=1\r\nsecond,\r\n5\r\nthird\r\n0\r\nX-Trailer: 1\r\n\r\n';

describe('the response parser', () => {
  it('reads content-length and chunked bodies, whole or in any split, one after another', () => {
    for (const step of [1, 2, 3, 7, 16, 1000]) {
      const { got, errors } = parse(CL + CHUNKED + CL.replace('200 OK', '404 Not Found'), step);
      expect(errors, `step ${step}`).toEqual([]);
      expect(got.map((g) => g.status), `step ${step}`).toEqual([200, 201, 404]);
    }
  });

  it('knows bodiless responses: 204, 304, HEAD; skips 1xx interim responses', () => {
    expect(parse('HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n', 5).got.map((g) => g.status)).toEqual([204, 304]);
    expect(parse('HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n', 4, { head: true }).got).toEqual([{ status: 200, close: false }]);
    expect(parse(`HTTP/1.1 100 Continue\r\n\r\n${CL}`, 3).got.map((g) => g.status)).toEqual([200]);
  });

  it('reads header names in any case and sees connection: close (and HTTP/1.0)', () => {
    expect(parse('HTTP/1.1 200 OK\r\ncontent-LENGTH: 2\r\nCONNECTION: Close\r\n\r\nok', 4).got).toEqual([{ status: 200, close: true }]);
    expect(parse('HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok', 4).got).toEqual([{ status: 200, close: true }]);
    expect(parse('HTTP/1.0 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok', 4).got).toEqual([{ status: 200, close: false }]);
  });

  it('reads a body without length until the connection closes', () => {
    const { got, parser } = parse('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nsome bytes', 3);
    expect(got).toEqual([]);
    expect(parser.end()).toBe(true);
    expect(got).toEqual([{ status: 200, close: true }]);
  });

  it('reports garbage as a parse error, and a cut-short response at close', () => {
    expect(parse('SSH-2.0-OpenSSH\r\n\r\n', 100).errors).toEqual(['not an HTTP/1.x response']);
    expect(parse('HTTP/1.1 2x0 OK\r\n\r\n', 100).errors).toEqual(['bad status line']);
    expect(parse('HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n', 100).errors).toEqual(['bad content-length']);
    expect(parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 100).errors).toEqual(['bad chunk size']);
    const cut = parse('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc', 100);
    expect(cut.parser.end()).toBe(false);
  });
});

describe('the serialised request', () => {
  it('has the request line, Host, the headers, Content-Length for a body', () => {
    const b = serializeRequest({ method: 'POST', path: '/api?x=1', host: '127.0.0.1:8080', headers: { 'Content-Type': 'application/json', Cookie: 'a=1; b=2' }, body: '{"é":1}' });
    expect(b.toString('utf8')).toBe('POST /api?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Type: application/json\r\nCookie: a=1; b=2\r\nContent-Length: 8\r\n\r\n{"é":1}');
    expect(serializeRequest({ method: 'GET', path: '/', host: 'h', headers: { host: 'ignored', 'content-length': '5' } }).toString()).toBe('GET / HTTP/1.1\r\nHost: h\r\n\r\n');
    expect(() => serializeRequest({ method: 'GET', path: '/', host: 'h', headers: { 'X-Bad': 'a\r\nInjected: 1' } })).toThrow(/CR\/LF/);
  });
});
