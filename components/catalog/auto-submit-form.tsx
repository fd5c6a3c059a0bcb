'use client';
import { useRouter } from 'next/navigation';
import { useRef, useTransition, type ReactNode } from 'react';

/**
 * A GET form that works without JavaScript (its submit button applies the filters) and, with
 * JavaScript, applies every change at once by replacing the URL — so the URL always holds the
 * view. Text input applies after a short pause.
 */
export function AutoSubmitForm({ action, children, className, label }: { action: string; children: ReactNode; className?: string; label: string }) {
  const router = useRouter();
  const ref = useRef<HTMLFormElement>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const [pending, startTransition] = useTransition();

  function apply() {
    const form = ref.current;
    if (!form) return;
    const params = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (typeof v === 'string' && v !== '') params.append(k, v);
    const s = params.toString();
    startTransition(() => router.replace(s ? `${action}?${s}` : action, { scroll: false }));
  }

  return (
    <form
      ref={ref}
      action={action}
      method="get"
      role="search"
      aria-label={label}
      aria-busy={pending}
      className={className}
      data-pending={pending ? 'true' : undefined}
      onSubmit={(e) => {
        e.preventDefault();
        apply();
      }}
      onChange={(e) => {
        clearTimeout(timer.current);
        const isText = e.target instanceof HTMLInputElement && e.target.type === 'search';
        timer.current = setTimeout(apply, isText ? 250 : 0);
      }}
    >
      {children}
    </form>
  );
}
