// A minimal HTTP/1.1 target for load tests and the perf benchmark, run as its own process (so a
// stall blocks it and not the load generator). Plain Node, no dependencies; binds 127.0.0.1 only.
//
//   node target-server.mjs [PORT]        PORT 0 (default): any free port
//
// Says {ready: true, port} over IPC when forked, else prints the port on stdout. Routes:
//   /                 200, a small JSON body (content-length)
//   /status/NNN       status NNN
//   /cycle            statuses in turn: 200, 200, 404, 503 (counts are exact for a known total)
//   /chunked          200, body in three chunks (transfer-encoding: chunked)
//   /close            200, then the server closes the connection
//   /slow?ms=N        200 after N ms
// IPC {stall: MS, after: MS}: after `after` ms the process blocks its event loop for `stall` ms
// (nothing is read or answered meanwhile: a GC pause, a stop-the-world), once.
import http from 'node:http';

const body = Buffer.from('{"ok":true,"service":"perf-target"}');
let cycle = 0;
const CYCLE = [200, 200, 404, 503];

const server = http.createServer((req, res) => {
  const url = req.url ?? '/';
  req.resume();
  if (url === '/' || url.startsWith('/?')) {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
    return;
  }
  const status = /^\/status\/(\d{3})$/.exec(url);
  if (status) {
    res.writeHead(Number(status[1]), { 'content-length': 2 });
    res.end('ok');
    return;
  }
  if (url === '/cycle') {
    const code = CYCLE[cycle++ % CYCLE.length];
    res.writeHead(code, { 'content-length': 2 });
    res.end('ok');
    return;
  }
  if (url === '/chunked') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('first,');
    res.write('second,');
    res.end('third');
    return;
  }
  if (url === '/close') {
    res.writeHead(200, { 'content-length': 2, connection: 'close' });
    res.end('ok');
    return;
  }
  const slow = /^\/slow\?ms=(\d+)$/.exec(url);
  if (slow) {
    setTimeout(() => {
      res.writeHead(200, { 'content-length': 2 });
      res.end('ok');
    }, Number(slow[1]));
    return;
  }
  res.writeHead(404, { 'content-length': 9 });
  res.end('not found');
});
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;

process.on('message', (m) => {
  if (m && typeof m.stall === 'number') {
    setTimeout(() => {
      const end = Date.now() + m.stall;
      while (Date.now() < end) {
        /* blocked: nothing is read or answered */
      }
    }, m.after ?? 0);
  }
});

server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  const { port } = server.address();
  if (process.send) process.send({ ready: true, port });
  else console.log(port);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
process.on('disconnect', () => process.exit(0));
