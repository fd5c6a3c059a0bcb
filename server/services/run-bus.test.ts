import { describe, expect, it } from 'vitest';
import { createLockTable, createRunBus, type TBusEvent } from './run-bus';

type TEvent = (TBusEvent & { type: 'note'; text: string }) | (TBusEvent & { type: 'end'; result: number });

describe('the run bus', () => {
  it('replays what happened before a late subscriber came, then streams live events and ends with `end`', async () => {
    const bus = createRunBus<TEvent>('test-replay');
    bus.open('r1');
    bus.publish('r1', { type: 'note', text: 'one' });
    expect(bus.isRunning('r1')).toBe(true);
    const seen: string[] = [];
    const follower = (async () => {
      for await (const e of bus.follow('r1')) seen.push(e.type === 'note' ? `${e.seq}:${e.text}` : `${e.seq}:end ${e.result}`);
    })();
    await new Promise((r) => setTimeout(r, 10));
    bus.publish('r1', { type: 'note', text: 'two' });
    bus.end('r1', { type: 'end', result: 42 });
    bus.publish('r1', { type: 'note', text: 'after the end: ignored' });
    await follower;
    expect(seen).toEqual(['1:one', '2:two', '3:end 42']);
    expect(bus.isRunning('r1')).toBe(false);
    expect(bus.has('r1')).toBe(true);
    // A reconnect resumes after the last seq it saw.
    const rest: number[] = [];
    for await (const e of bus.follow('r1', { after: 2 })) rest.push(e.seq);
    expect(rest).toEqual([3]);
  });

  it('keeps buses apart by namespace and stops following when the signal aborts', async () => {
    const a = createRunBus<TEvent>('test-ns-a');
    const b = createRunBus<TEvent>('test-ns-b');
    a.open('same-id');
    expect(b.has('same-id')).toBe(false);
    const controller = new AbortController();
    const got: string[] = [];
    const follower = (async () => {
      for await (const e of a.follow('same-id', { signal: controller.signal })) got.push(e.type);
    })();
    a.publish('same-id', { type: 'note', text: 'x' });
    await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    await follower;
    expect(got).toEqual(['note']);
    // An unknown run yields nothing.
    const none: unknown[] = [];
    for await (const e of b.follow('same-id')) none.push(e);
    expect(none).toEqual([]);
  });

  it('drops the oldest events beyond the limit but never the end event', async () => {
    const bus = createRunBus<TEvent>('test-limit', { maxEvents: 3 });
    bus.open('r');
    for (let i = 1; i <= 5; i++) bus.publish('r', { type: 'note', text: String(i) });
    bus.end('r', { type: 'end', result: 0 });
    const seqs: number[] = [];
    for await (const e of bus.follow('r')) seqs.push(e.seq);
    expect(seqs).toEqual([4, 5, 6]);
  });

  it('lock tables: one holder per key, shared by every table of the same namespace', () => {
    const l1 = createLockTable('test-locks');
    const l2 = createLockTable('test-locks');
    expect(l1.tryLock('k')).toBe(true);
    expect(l2.tryLock('k')).toBe(false);
    expect(l2.lockedBy('k')).toBeNull();
    l1.setRun('k', 'run-1');
    expect(l2.lockedBy('k')).toBe('run-1');
    l2.unlock('k');
    expect(l1.lockedBy('k')).toBeUndefined();
    expect(createLockTable('test-locks-other').tryLock('k')).toBe(true);
  });
});
