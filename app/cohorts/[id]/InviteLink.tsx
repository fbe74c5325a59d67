"use client";

import { useState, useSyncExternalStore } from "react";

const noSubscription = () => () => {};

/** The cohort's invite link in full (on this site's address as the instructor reaches it), with a Copy button. */
export function InviteLink({ path }: { path: string }) {
  const url = useSyncExternalStore(
    noSubscription,
    () => new URL(path, window.location.origin).href,
    () => path,
  );
  const [copied, setCopied] = useState<"yes" | "failed">();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(url);
      setCopied("yes");
    } catch {
      setCopied("failed");
    }
  };
  return (
    <div>
      <label htmlFor="invite-link" className="block text-sm font-medium text-slate-800">
        Invite link
      </label>
      <div className="mt-1 flex gap-2">
        <input
          id="invite-link"
          readOnly
          value={url}
          onFocus={(e) => e.currentTarget.select()}
          className="block w-full rounded border border-slate-300 bg-slate-50 px-3 py-2 font-mono text-sm"
        />
        <button
          type="button"
          onClick={copy}
          className="rounded bg-sky-600 px-4 py-2 text-sm font-medium text-white hover:bg-sky-700 focus:outline-none focus:ring-2 focus:ring-sky-400"
        >
          Copy
        </button>
      </div>
      <p role="status" className="mt-1 text-sm text-slate-600">
        {copied === "yes" && "Copied: paste it to your students."}
        {copied === "failed" && "Your browser did not let the page copy: select the link and copy it yourself."}
      </p>
    </div>
  );
}
