'use client';
import { useMutation } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { useTRPCClient } from '@/components/providers/trpc';

/** Fork and delete buttons on a pattern page; the server checks rights again. */
export function PatternActions({ name, canEdit, signedIn }: { name: string; canEdit: boolean; signedIn: boolean }) {
  const client = useTRPCClient();
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const fork = useMutation({
    mutationFn: () => client.patterns.fork.mutate({ name }),
    onSuccess: (p) => router.push(`/patterns/${encodeURIComponent(p.name)}/edit`),
    onError: (e) => setError(e.message),
  });
  const remove = useMutation({
    mutationFn: () => client.patterns.delete.mutate({ name }),
    onSuccess: () => {
      router.push('/');
      router.refresh();
    },
    onError: (e) => setError(e.message),
  });
  return (
    <>
      {signedIn ? (
        <button type="button" className="btn" onClick={() => fork.mutate()} disabled={fork.isPending} data-testid="fork">
          Fork
        </button>
      ) : (
        <a className="btn" href={`/sign-in?next=/patterns/${encodeURIComponent(name)}`}>Sign in to fork</a>
      )}
      {canEdit && (
        <button
          type="button"
          className="btn danger"
          data-testid="delete"
          onClick={() => {
            if (window.confirm(`Delete pattern ${name} and its history?`)) remove.mutate();
          }}
        >
          Delete
        </button>
      )}
      {error && <span role="alert" className="error">{error}</span>}
    </>
  );
}
