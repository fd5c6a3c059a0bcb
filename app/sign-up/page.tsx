import { Suspense } from 'react';
import { AuthForm } from '@/components/auth/auth-form';

export const metadata = { title: 'Sign up' };

export default function SignUpPage() {
  return (
    <>
      <h1>Create an account</h1>
      <p className="lede">The first account of an instance becomes its administrator.</p>
      <Suspense>
        <AuthForm mode="sign-up" />
      </Suspense>
    </>
  );
}
