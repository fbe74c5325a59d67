"use client";

import { useEffect, useState } from "react";
import { useRouter } from "next/navigation";

/** Under `next dev`: re-renders the lesson (keeping the terminal) whenever its files change. */
export function LessonHotReload({ slug }: { slug: string }) {
  const router = useRouter();
  const [watching, setWatching] = useState(false);
  useEffect(() => {
    const events = new EventSource(`/api/dev/lessons/${slug}/events`);
    let opened = false;
    events.onmessage = () => router.refresh();
    // After a dropped connection (a server restart, say) a change may have been missed.
    events.onopen = () => {
      if (opened) router.refresh();
      opened = true;
      setWatching(true);
    };
    events.onerror = () => setWatching(false);
    return () => events.close();
  }, [router, slug]);
  return <span hidden data-testid="lesson-hot-reload" data-state={watching ? "watching" : "connecting"} />;
}
