'use client';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { TRPCClientError } from '@trpc/client';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useDeferredValue, useMemo, useState } from 'react';
import { parsePattern } from '@/patterns/language';
import { useTRPC, useTRPCClient } from '@/components/providers/trpc';
import { ConflictDialog } from './conflict-dialog';
import { DiagnosticsList } from './diagnostics-list';

type Visibility = 'public' | 'unlisted' | 'private';
type Conflict = { theirText: string; theirVersion: number };

/**
 * The pattern file editor for creating and editing saved patterns. Validation runs in the
 * browser with the same parser the server uses; the server validates again on save.
 */
export function PatternEditor(props: { mode: 'create'; initialText: string } | { mode: 'edit'; name: string; initialText: string; version: number; visibility: Visibility }) {
  const router = useRouter();
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const [text, setText] = useState(props.initialText);
  const [version, setVersion] = useState(props.mode === 'edit' ? props.version : 0);
  const [visibility, setVisibility] = useState<Visibility>(props.mode === 'edit' ? props.visibility : 'private');
  const [status, setStatus] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [conflict, setConflict] = useState<Conflict | null>(null);
  const deferred = useDeferredValue(text);
  const diagnostics = useMemo(() => parsePattern(deferred).diagnostics, [deferred]);
  const hasErrors = diagnostics.some((d) => d.severity === 'error');

  const save = useMutation({
    mutationFn: async (opts: { expectedVersion?: number; text: string }) => {
      if (props.mode === 'create') return client.patterns.create.mutate({ text: opts.text, visibility });
      return client.patterns.update.mutate({ name: props.name, text: opts.text, expectedVersion: opts.expectedVersion ?? version, visibility });
    },
    onSuccess: async (saved) => {
      setConflict(null);
      setVersion(saved.version);
      setStatus({ kind: 'ok', text: `Saved version ${saved.version}.` });
      await queryClient.invalidateQueries({ queryKey: trpc.patterns.pathKey() });
      if (props.mode === 'create' || saved.name !== props.name) router.push(`/patterns/${encodeURIComponent(saved.name)}`);
      router.refresh();
    },
    onError: async (error) => {
      if (props.mode === 'edit' && error instanceof TRPCClientError && error.data?.code === 'CONFLICT') {
        const latest = await client.patterns.get.query({ name: props.name });
        if (latest) {
          setConflict({ theirText: latest.text, theirVersion: latest.version });
          setStatus({ kind: 'error', text: `Someone saved version ${latest.version} while you were editing. Nothing was lost: choose below.` });
          return;
        }
      }
      setStatus({ kind: 'error', text: error.message });
    },
  });

  return (
    <div>
      <div className="row" style={{ marginBottom: 8 }}>
        <label className="row" style={{ fontWeight: 400 }}>
          Visibility
          <select value={visibility} onChange={(e) => setVisibility(e.target.value as Visibility)} aria-label="Visibility">
            <option value="private">private</option>
            <option value="unlisted">unlisted (anyone with the link)</option>
            <option value="public">public</option>
          </select>
        </label>
        <button
          type="button"
          className="btn primary"
          data-testid="save"
          disabled={save.isPending || hasErrors}
          onClick={() => save.mutate({ text })}
        >
          {save.isPending ? 'Saving…' : props.mode === 'create' ? 'Create pattern' : 'Save'}
        </button>
        {props.mode === 'edit' && (
          <>
            <span className="meta" data-testid="version">version {version}</span>
            <Link href={`/patterns/${encodeURIComponent(props.name)}`}>Back to pattern</Link>
          </>
        )}
      </div>
      {status && (
        <p role={status.kind === 'error' ? 'alert' : 'status'} className={status.kind === 'error' ? 'error' : 'success'} data-testid="save-status">
          {status.text}
        </p>
      )}
      <label>
        <span className="meta">Pattern YAML</span>
        <textarea
          className="code"
          data-testid="yaml"
          value={text}
          spellCheck={false}
          onChange={(e) => setText(e.target.value)}
          aria-label="Pattern YAML"
        />
      </label>
      <DiagnosticsList diagnostics={diagnostics} />
      {!hasErrors && <p className="meta success" data-testid="valid">No problems found.</p>}
      {conflict && (
        <ConflictDialog
          mine={text}
          theirText={conflict.theirText}
          theirVersion={conflict.theirVersion}
          onKeepMine={() => save.mutate({ text, expectedVersion: conflict.theirVersion })}
          onTakeTheirs={() => {
            setText(conflict.theirText);
            setVersion(conflict.theirVersion);
            setConflict(null);
            setStatus({ kind: 'ok', text: `Loaded version ${conflict.theirVersion}.` });
          }}
          onClose={() => setConflict(null)}
        />
      )}
    </div>
  );
}
