/**
 * The sandbox's safety net: before a configuration is used, every address in it that HAProxy
 * would bind or connect to — `bind`, `server`, `log`, and the peers/resolvers/mailers kinds of
 * lines — must be 127.0.0.1 (or a local file/stdout for logs). Anything else is refused, so no
 * pattern can make the sandbox listen on, or send traffic to, a non-loopback address.
 */

export interface TListener {
  port: number;
  /** Plain HTTP/1 (probe with a request) or anything else (TLS, h2, TCP: probe with a connect). */
  http: boolean;
  section: string;
}

const LOOPBACK_ADDR = /^127\.0\.0\.1:\d{1,5}$/;

/** The first non-loopback use in `cfg`, as `line N: text`; undefined when there is none. */
export function nonLoopbackUse(cfg: string): string | undefined {
  const lines = cfg.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    if (line === '' || line.startsWith('#')) continue;
    const [kw, a, b] = line.split(/\s+/);
    const where = `line ${i + 1}: ${line}`;
    if (kw === 'bind' || kw === 'dispatch' || kw === 'source') {
      if (!a || !LOOPBACK_ADDR.test(a)) return where;
    } else if (kw === 'server' || kw === 'peer' || kw === 'nameserver' || kw === 'mailer' || kw === 'server-template') {
      if (!b || !LOOPBACK_ADDR.test(b)) return where;
    } else if (kw === 'default-server') {
      // Options only; an address here would be a bug.
      if (a && /\d+\.\d+\.\d+\.\d+|\[/.test(line)) return where;
    } else if (kw === 'log') {
      if (!a) return where;
      if (a === 'global' || a === 'stdout' || a === 'stderr' || a.startsWith('/')) continue;
      if (!LOOPBACK_ADDR.test(a)) return where;
    } else if (kw === 'stats' && a === 'socket') {
      if (!b || !(b.startsWith('/') || LOOPBACK_ADDR.test(b))) return where;
    } else if (kw === 'http-request' && (a === 'set-dst' || a === 'set-dst-port' || a === 'do-resolve')) {
      return where;
    } else if (kw === 'resolvers' || kw === 'peers' || kw === 'mailers' || kw === 'ring') {
      // Sections that talk to the network; the sandbox renders none.
      return where;
    }
  }
  return undefined;
}

/** Every frontend listener of `cfg`, with how to probe it. */
export function listenersOf(cfg: string): TListener[] {
  const out: TListener[] = [];
  for (const block of cfg.split(/\n(?=\S)/)) {
    const lines = block.split('\n');
    const header = (lines[0] ?? '').trim();
    if (!header.startsWith('frontend ') && !header.startsWith('listen ')) continue;
    const tcp = lines.some((l) => l.trim() === 'mode tcp');
    for (const l of lines) {
      const m = /^\s*bind 127\.0\.0\.1:(\d+)(.*)$/.exec(l);
      if (!m) continue;
      const opts = m[2] ?? '';
      out.push({ port: Number(m[1]), http: !tcp && !/\bssl\b/.test(opts) && !/\bproto h2\b/.test(opts), section: header });
    }
  }
  return out;
}
