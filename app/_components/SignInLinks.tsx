"use client";

import Link from "next/link";
import { usePathname, useSearchParams } from "next/navigation";

/** Sign in or create an account, then come back to this very page. */
export function SignInLinks() {
  const query = useSearchParams().toString();
  const back = new URLSearchParams({ next: `${usePathname()}${query ? `?${query}` : ""}` });
  return (
    <div className="mt-6 flex gap-4">
      <Link
        href={`/signin?${back}`}
        className="rounded bg-sky-600 px-4 py-2 text-sm font-medium text-white hover:bg-sky-700 focus:outline-none focus:ring-2 focus:ring-sky-400"
      >
        Sign in
      </Link>
      <Link href={`/signup?${back}`} className="px-2 py-2 text-sm text-sky-700 underline">
        Create an account
      </Link>
    </div>
  );
}
