"use client";

import Link from "next/link";

// What a page shows when rendering it failed on Dockyard's side (app/error.tsx, app/global-error.tsx): Dockyard's
// words, never the error itself. In production Next sends the browser only a digest of a server error; the server's
// log holds the error under that digest, so the learner can hand it to whoever runs Dockyard.

/** The digest Next gives a server error (absent for an error thrown in the browser). */
const digestOf = (error: unknown) =>
  typeof error === "object" && error !== null && "digest" in error && typeof error.digest === "string" ? error.digest : undefined;

export function ErrorNotice({ error, retry }: { error: unknown; retry: () => void }) {
  const digest = digestOf(error);
  return (
    <div className="mx-auto max-w-xl px-4 py-16" data-testid="error-page">
      <h1 className="text-2xl font-bold">Something went wrong on Dockyard&apos;s side</h1>
      <p className="mt-2 text-slate-600">
        This page could not be shown. Nothing you did is lost: your lab and your progress are kept. Try again in a moment; if it keeps happening, tell whoever
        runs this Dockyard{digest ? " and give them this reference" : ""}.
      </p>
      {digest && (
        <p className="mt-2 text-sm text-slate-500">
          Reference: <code data-testid="error-reference">{digest}</code>
        </p>
      )}
      <div className="mt-6 flex gap-4">
        <button
          type="button"
          onClick={retry}
          className="rounded bg-sky-600 px-4 py-2 text-sm font-medium text-white hover:bg-sky-700 focus:outline-none focus:ring-2 focus:ring-sky-400"
        >
          Try again
        </button>
        <Link className="px-2 py-2 text-sm text-sky-700 underline" href="/">
          Back to the course
        </Link>
      </div>
    </div>
  );
}
