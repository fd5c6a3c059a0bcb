/** The last lines of a log file, read from its end (log files grow; they are never read whole). */
import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';

export function tailLines(file: string, n: number): string[] {
  if (n <= 0 || !existsSync(file)) return [];
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    let chunk = Math.min(size, Math.max(4096, n * 256));
    for (;;) {
      const buf = Buffer.alloc(chunk);
      const got = readSync(fd, buf, 0, chunk, size - chunk);
      const lines = buf.toString('utf8', 0, got).split('\n');
      if (lines.at(-1) === '') lines.pop();
      // The first line may be cut: drop it unless the whole file was read.
      if (chunk < size) lines.shift();
      if (lines.length >= n || chunk >= size) return lines.slice(-n);
      chunk = Math.min(size, chunk * 4);
    }
  } finally {
    closeSync(fd);
  }
}
