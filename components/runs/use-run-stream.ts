'use client';
import { useEffect, useRef, useState } from 'react';
import { useTRPCClient } from '@/components/providers/trpc';

type TClient = ReturnType<typeof useTRPCClient>;
type TStreamEvent<TEvent, TEnd> = (TEvent & { seq: number; type: string }) | { seq: number; type: 'end'; run: TEnd };

export interface TRunStream<TEvent, TEnd> {
  runId: string | null;
  events: TEvent[];
  /** The run's record once it has ended. */
  end: TEnd | null;
  error: string | null;
}

/**
 * Follows a run (a deploy, a check) over SSE: every event so far, then live ones, until the run
 * ends. `subscribe` opens the run's tRPC progress subscription; events are de-duplicated by `seq`.
 */
export function useRunStream<TEvent, TEnd>(
  runId: string | null,
  subscribe: (client: TClient, runId: string, handlers: { onData: (e: { data: TStreamEvent<TEvent, TEnd> }) => void; onError: (e: { message: string }) => void }) => { unsubscribe(): void },
  onEnd?: (run: TEnd) => void,
): TRunStream<TEvent, TEnd> {
  const client = useTRPCClient();
  const [watch, setWatch] = useState<TRunStream<TEvent, TEnd>>({ runId: null, events: [], end: null, error: null });
  const onEndRef = useRef(onEnd);
  const subscribeRef = useRef(subscribe);
  useEffect(() => {
    onEndRef.current = onEnd;
    subscribeRef.current = subscribe;
  });
  useEffect(() => {
    setWatch({ runId, events: [], end: null, error: null });
    if (!runId) return;
    let lastSeq = 0;
    const sub = subscribeRef.current(client, runId, {
      onData: ({ data: event }) => {
        if (event.seq <= lastSeq) return;
        lastSeq = event.seq;
        if (event.type === 'end' && 'run' in event) {
          setWatch((w) => (w.runId === runId ? { ...w, end: event.run } : w));
          onEndRef.current?.(event.run);
          sub.unsubscribe();
        } else setWatch((w) => (w.runId === runId ? { ...w, events: [...w.events, event as TEvent] } : w));
      },
      onError: (e) => setWatch((w) => (w.runId === runId ? { ...w, error: e.message } : w)),
    });
    return () => sub.unsubscribe();
  }, [runId, client]);
  return watch;
}
