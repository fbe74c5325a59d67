"use client";

import { useEffect, useState } from "react";

// A JSON resource read again every few seconds while the page shows it (the live class and host views). A failed
// read keeps the last good value and says why; `again` reads now (after an action changed what it shows).

export function usePolled<T>(url: string, what: string, intervalMs: number): { data?: T; problem?: string; again: () => void } {
  const [data, setData] = useState<T>();
  const [problem, setProblem] = useState<string>();
  const [tick, setTick] = useState(0);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const poll = async () => {
      try {
        const res = await fetch(url, { cache: "no-store" });
        const body = await res.json();
        if (!res.ok) throw new Error(body.message ?? `${what} could not be read (${res.status}).`);
        if (stopped) return;
        setData(body as T);
        setProblem(undefined);
      } catch (e) {
        if (!stopped) setProblem((e as Error).message);
      }
      if (!stopped) timer = setTimeout(poll, intervalMs);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [url, what, intervalMs, tick]);

  return { data, problem, again: () => setTick((t) => t + 1) };
}
