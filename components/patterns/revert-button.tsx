'use client';
import { useMutation } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { useTRPCClient } from '@/components/providers/trpc';

export function RevertButton({ name, revision, expectedVersion }: { name: string; revision: number; expectedVersion: number }) {
  const client = useTRPCClient();
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const revert = useMutation({
    mutationFn: () => client.patterns.revert.mutate({ name, revision, expectedVersion }),
    onSuccess: () => router.refresh(),
    onError: (e) => setError(e.message),
  });
  return (
    <>
      <button type="button" className="btn" onClick={() => revert.mutate()} disabled={revert.isPending} data-testid={`revert-${revision}`}>
        Revert to this
      </button>
      {error && <span role="alert" className="error"> {error}</span>}
    </>
  );
}
