'use client';
import { useEffect, useRef, useState } from 'react';
import { useTRPCClient } from '@/components/providers/trpc';
import type { TCheckEvent, TCheckRunDto } from '@/server/services/checks/dto';

export type TCheckProgressEvent = Exclude<TCheckEvent, { type: 'end' }>;

export interface TCheckWatch {
  runId: string | null;
  events: TCheckProgressEvent[];
  /** The run's record once it has ended. */
  end: TCheckRunDto | null;
  error: string | null;
}

/** Follows a check run over SSE: every event so far, then live ones, until the run ends (a finished run: just its end). */
export function useCheckEvents(runId: string | null, onEnd?: (run: TCheckRunDto) => void): TCheckWatch {
  const client = useTRPCClient();
  const [watch, setWatch] = useState<TCheckWatch>({ runId: null, events: [], end: null, error: null });
  const onEndRef = useRef(onEnd);
  useEffect(() => {
    onEndRef.current = onEnd;
  });
  useEffect(() => {
    setWatch({ runId, events: [], end: null, error: null });
    if (!runId) return;
    let lastSeq = 0;
    const sub = client.checks.progress.subscribe(
      { runId },
      {
        onData: ({ data: event }) => {
          if (event.seq <= lastSeq) return;
          lastSeq = event.seq;
          if (event.type === 'end') {
            setWatch((w) => (w.runId === runId ? { ...w, end: event.run } : w));
            onEndRef.current?.(event.run);
            sub.unsubscribe();
          } else setWatch((w) => (w.runId === runId ? { ...w, events: [...w.events, event] } : w));
        },
        onError: (e) => setWatch((w) => (w.runId === runId ? { ...w, error: e.message } : w)),
      },
    );
    return () => sub.unsubscribe();
  }, [runId, client]);
  return watch;
}
