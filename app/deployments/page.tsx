import type { Metadata } from 'next';
import Link from 'next/link';
import { DeploymentsView } from '@/components/deploy/deployments-view';
import { getServerCaller } from '@/server/api/server-caller';
import { hasRole } from '@/server/auth/roles';

export const metadata: Metadata = { title: 'Deployments' };

export default async function DeploymentsPage() {
  const me = await (await getServerCaller()).session.me();
  return (
    <article>
      <h1>Deployments</h1>
      <p className="lede">Patterns deployed from this instance: where, which version, by whom, and how they are doing now.</p>
      {me ? (
        <DeploymentsView canOperate={hasRole(me.role, 'operator')} />
      ) : (
        <p data-testid="deployments-signed-out">
          <Link href="/sign-in?next=/deployments">Sign in</Link> to see deployments.
        </p>
      )}
    </article>
  );
}
