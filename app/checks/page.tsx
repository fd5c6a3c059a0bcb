import type { Metadata } from 'next';
import Link from 'next/link';
import { Suspense } from 'react';
import { ChecksView } from '@/components/checks/checks-view';
import { getServerCaller } from '@/server/api/server-caller';
import { hasRole } from '@/server/auth/roles';

export const metadata: Metadata = { title: 'Conformance checks' };

export default async function ChecksPage() {
  const me = await (await getServerCaller()).session.me();
  return (
    <article>
      <h1>Conformance checks</h1>
      <p className="lede">
        Does the mesh do what the pattern says? The SMI and GAMMA suites and the behaviour checks deploy to a target and observe real traffic; every step says what it expected and what it saw. The
        latest results show on the <Link href="/compatibility">compatibility matrix</Link> and on each pattern&apos;s page.
      </p>
      {me ? (
        <Suspense fallback={<p className="meta">Loading…</p>}>
          <ChecksView canOperate={hasRole(me.role, 'operator')} />
        </Suspense>
      ) : (
        <p data-testid="checks-signed-out">
          <Link href="/sign-in?next=/checks">Sign in</Link> to see and run checks.
        </p>
      )}
    </article>
  );
}
