import Link from "next/link";
import { signOutAction } from "@/app/_actions/account";
import { currentViewer } from "@/app/_lib/session";
import { passwordSignIn } from "@dockyard/contract/server";

const LINK = "text-sm text-slate-600 hover:text-slate-900 focus:outline-none focus:ring-2 focus:ring-sky-500 rounded";

/** The header's account part: sign-in and sign-up, or the account's pages, who is signed in, and sign-out. */
export async function AccountNav() {
  const { account } = await currentViewer();
  if (!account)
    return (
      <div className="ml-auto flex items-center gap-4">
        <Link href="/signin" className={LINK}>
          Sign in
        </Link>
        {passwordSignIn() && (
          <Link
            href="/signup"
            className="rounded bg-sky-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-sky-700 focus:outline-none focus:ring-2 focus:ring-sky-400"
          >
            Create an account
          </Link>
        )}
      </div>
    );
  return (
    <>
      <Link href="/cohorts" className={LINK}>
        Cohorts
      </Link>
      {account.role === "admin" && (
        <Link href="/admin" className={LINK}>
          Admin
        </Link>
      )}
      <div className="ml-auto flex items-center gap-4">
        <span className="text-sm text-slate-600" data-testid="signed-in-as">
          {account.email} <span className="rounded bg-slate-100 px-1.5 py-0.5 text-xs">{account.role}</span>
        </span>
        <form action={signOutAction}>
          <button type="submit" className={LINK}>
            Sign out
          </button>
        </form>
      </div>
    </>
  );
}
