import type { Metadata } from 'next';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { SignOutButton } from '@/components/auth/sign-out-button';
import { TRPCReactProvider } from '@/components/providers/trpc';
import { getServerCaller } from '@/server/api/server-caller';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Meshloom', template: '%s · Meshloom' },
  description: 'Design, catalogue, share and deploy mesh-agnostic service-mesh patterns.',
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  const me = await (await getServerCaller()).session.me();
  return (
    <html lang="en">
      <body>
        <a className="skip-link" href="#main">Skip to content</a>
        <header className="site-header">
          <Link href="/" className="brand">Meshloom</Link>
          <nav aria-label="Main">
            <Link href="/">Catalog</Link>
            <Link href="/designer">Designer</Link>
            <Link href="/patterns/new">New pattern</Link>
            <Link href="/compatibility">Compatibility</Link>
            <Link href="/deployments">Deployments</Link>
            <Link href="/checks">Checks</Link>
            <a href="/schema/v1alpha1/pattern.json">JSON Schema</a>
          </nav>
          <div className="user-box" data-testid="user-box">
            {me ? (
              <>
                <span data-testid="signed-in-as">{me.name} ({me.role})</span>
                <SignOutButton />
              </>
            ) : (
              <>
                <Link href="/sign-in">Sign in</Link>
                <Link href="/sign-up" className="btn primary">Sign up</Link>
              </>
            )}
          </div>
        </header>
        <TRPCReactProvider>
          <main id="main">{children}</main>
        </TRPCReactProvider>
      </body>
    </html>
  );
}
