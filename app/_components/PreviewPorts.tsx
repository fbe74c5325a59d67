"use client";

import { useEffect, useState } from "react";
import type { PublishedPort } from "@dockyard/contract";

const POLL_EVERY_MS = 3000;

/** No url when previews are off: the server has a public address but no preview address of their own (README, "Run it for a class"). */
type PreviewLink = PublishedPort & { url: string | null };

/**
 * Links that open the ports the learner's containers publish, each in a tab of its own (looked up every few seconds);
 * where previews are off, the ports and why they cannot be opened.
 */
export function PreviewPorts({ lesson, enabled, multiNode }: { lesson: string; enabled: boolean; multiNode: boolean }) {
  const [ports, setPorts] = useState<PreviewLink[]>([]);

  useEffect(() => {
    if (!enabled) return;
    let disposed = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      if (document.visibilityState === "visible") {
        try {
          const res = await fetch(`/api/labs/${lesson}/ports`, { cache: "no-store" });
          if (res.ok && !disposed) setPorts(((await res.json()) as { ports: PreviewLink[] }).ports);
        } catch {
          // the next round tries again; the terminal tells about a lost lab
        }
      }
      if (!disposed) timer = setTimeout(poll, POLL_EVERY_MS);
    };
    poll();
    return () => {
      disposed = true;
      clearTimeout(timer);
    };
  }, [lesson, enabled]);

  if (!ports.length) return null;
  return (
    <nav
      aria-label="Web preview"
      data-testid="preview-ports"
      className="flex flex-wrap items-center gap-2 border-t border-slate-800 px-3 py-2 text-xs text-slate-300"
    >
      <span>Web preview:</span>
      {ports.some((p) => p.url === null) && (
        <span data-testid="previews-off">
          {ports.map((p) => p.port).join(", ")} published, but web previews are off on this server (it has no address of their own for them).
        </span>
      )}
      {ports.map(
        (p) =>
          p.url !== null && (
            <a
              key={`${p.node}:${p.port}`}
              href={p.url}
              target="_blank"
              rel="noopener noreferrer"
              title={`${p.container} (${p.image})`}
              className="rounded bg-sky-700 px-2 py-0.5 font-medium text-white hover:bg-sky-600 focus:outline-none focus-visible:ring-2 focus-visible:ring-sky-400"
            >
              Open port {p.port}
              {multiNode && ` on ${p.node}`} ↗
            </a>
          ),
      )}
    </nav>
  );
}
