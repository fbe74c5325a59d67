import { Suspense } from "react";
import { SignInLinks } from "./_components/SignInLinks";

// What a page that needs an account shows a visitor who has not signed in (status 401).

export default function Unauthorized() {
  return (
    <div className="mx-auto max-w-xl px-4 py-16" data-testid="sign-in-required">
      <h1 className="text-2xl font-bold">Sign in to continue</h1>
      <p className="mt-2 text-slate-600">
        This page needs an account. Sign in, or create one: it takes a minute, and whatever you did here without one stays yours.
      </p>
      <Suspense>
        <SignInLinks />
      </Suspense>
    </div>
  );
}
