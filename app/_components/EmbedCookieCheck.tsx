"use client";

import { useEffect, useState, type ReactNode } from "react";

// An embedded lesson's lab works only if the browser keeps Dockyard's cookie inside the frame: every request the
// lab makes must come as the same learner. The page's own load was given one (proxy.ts); this asks Dockyard whether
// the next request brought it back. (document.hasStorageAccess() is no test: Chrome says false there even while it
// keeps partitioned cookies, which is what Dockyard uses.) If not, no lab is started: the learner is told why, and
// offered the lesson in a tab of its own, where Dockyard is the site they visit and its cookies are kept.

type State = "checking" | "kept" | "refused";

export function EmbedCookieCheck({ lessonUrl, children }: { lessonUrl: string; children: ReactNode }) {
  const [state, setState] = useState<State>("checking");
  useEffect(() => {
    let gone = false;
    fetch("/api/embed/session", { cache: "no-store" })
      .then((res) => res.json() as Promise<{ session: boolean }>)
      .then(({ session }) => !gone && setState(session ? "kept" : "refused"))
      // Dockyard did not answer: the lab says what it can when it tries to start.
      .catch(() => !gone && setState("kept"));
    return () => {
      gone = true;
    };
  }, []);
  if (state === "kept") return children;
  if (state === "checking")
    return (
      <p className="p-4 text-sm text-slate-500" data-testid="embed-checking">
        Getting your lab ready…
      </p>
    );
  return <CookiesRefused lessonUrl={lessonUrl} />;
}

function CookiesRefused({ lessonUrl }: { lessonUrl: string }) {
  const plainHttp = window.location.protocol === "http:";
  return (
    <div
      className="flex h-full flex-col items-start gap-3 rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm text-amber-950"
      data-testid="embed-cookies-refused"
    >
      <h2 className="text-base font-semibold">Your lab cannot run inside this page</h2>
      {plainHttp ? (
        <p>
          This Dockyard is served over plain http, where browsers give a frame its cookies only when the page around it is on the same site (such as another
          port of localhost). Served over https, Dockyard works inside other sites&apos; pages too.
        </p>
      ) : (
        <p>
          Your browser does not let Dockyard keep its cookies inside another site&apos;s page (it blocks third-party cookies), so your lab and your progress
          could not be kept here. Open the lesson in a tab of its own: everything works there. Or allow cookies for Dockyard on this site in your browser&apos;s
          settings and reload the page.
        </p>
      )}
      <a
        href={lessonUrl}
        target="_blank"
        rel="noopener"
        className="rounded bg-sky-600 px-3 py-1.5 font-medium text-white hover:bg-sky-700 focus:outline-none focus:ring-2 focus:ring-sky-400"
      >
        Open the lesson in a new tab
      </a>
    </div>
  );
}
