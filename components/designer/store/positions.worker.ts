// Computes line/column positions of diagnostics off the main thread: a full YAML parse with
// positions costs ~0.2 s per 1,000 services, and the canvas must not wait for it.
import { createSourceMapForText } from '@/patterns/language/source-map';

type TRequest = { id: number; text: string; paths: { path: (string | number)[]; key: boolean }[] };

self.onmessage = (event: MessageEvent<TRequest>) => {
  const { id, text, paths } = event.data;
  const map = createSourceMapForText(text);
  const ranges = paths.map((p) => map.rangeOf(p.path, { key: p.key }));
  (self as unknown as Worker).postMessage({ id, ranges });
};
