'use client';
import { useRunStream, type TRunStream } from '@/components/runs/use-run-stream';
import type { TCheckEvent, TCheckRunDto } from '@/server/services/checks/dto';

export type TCheckProgressEvent = Exclude<TCheckEvent, { type: 'end' }>;

export type TCheckWatch = TRunStream<TCheckProgressEvent, TCheckRunDto>;

/** Follows a check run over SSE: every event so far, then live ones, until the run ends (a finished run: just its end). */
export function useCheckEvents(runId: string | null, onEnd?: (run: TCheckRunDto) => void): TCheckWatch {
  return useRunStream<TCheckProgressEvent, TCheckRunDto>(runId, (client, id, handlers) => client.checks.progress.subscribe({ runId: id }, handlers), onEnd);
}
