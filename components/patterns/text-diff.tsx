import { diffLines } from 'diff';

/** A line diff of two pattern files: removed lines red, added green, unchanged context folded. */
export function TextDiff({ before, after, context = 3 }: { before: string; after: string; context?: number }) {
  const parts = diffLines(before, after);
  const rows: { kind: 'add' | 'del' | 'same' | 'gap'; text: string }[] = [];
  parts.forEach((p, i) => {
    const lines = p.value.replace(/\n$/, '').split('\n');
    if (p.added || p.removed) {
      for (const l of lines) rows.push({ kind: p.added ? 'add' : 'del', text: l });
      return;
    }
    const head = i === 0 ? [] : lines.slice(0, context);
    const tail = i === parts.length - 1 ? [] : lines.slice(-context);
    if (lines.length <= head.length + tail.length + 1) {
      for (const l of lines) rows.push({ kind: 'same', text: l });
      return;
    }
    for (const l of head) rows.push({ kind: 'same', text: l });
    rows.push({ kind: 'gap', text: `… ${lines.length - head.length - tail.length} unchanged lines` });
    for (const l of tail) rows.push({ kind: 'same', text: l });
  });
  const changed = rows.filter((r) => r.kind === 'add' || r.kind === 'del').length;
  if (changed === 0) return <p className="meta">No changes.</p>;
  return (
    <pre className="text-diff" data-testid="text-diff">
      {rows.map((r, i) => (
        <span key={i} className={`diff-${r.kind}`}>
          {r.kind === 'add' ? '+ ' : r.kind === 'del' ? '- ' : r.kind === 'gap' ? '  ' : '  '}
          {r.text}
          {'\n'}
        </span>
      ))}
    </pre>
  );
}
