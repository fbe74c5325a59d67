import Link from "next/link";
import { currentViewer } from "./_lib/session";

// What a page shows an account that may not see it (status 403). The rules are in app/_lib/access.ts.

export default async function Forbidden() {
  const { account } = await currentViewer();
  return (
    <div className="mx-auto max-w-xl px-4 py-16" data-testid="forbidden">
      <h1 className="text-2xl font-bold">You do not have access to this page</h1>
      <p className="mt-2 text-slate-600">
        It belongs to a cohort you are not in, or needs a role your account does not have: only instructors create cohorts, only a cohort&apos;s instructor and
        graders see who is in it, and only admins manage users.
      </p>
      {account && (
        <p className="mt-2 text-slate-600">
          You are signed in as {account.email} ({account.role}). If you need more, ask an admin.
        </p>
      )}
      <Link className="mt-6 inline-block text-sky-700 underline" href="/">
        Back to the course
      </Link>
    </div>
  );
}
