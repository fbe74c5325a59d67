"use client";

import { useState } from "react";
import { emit, RUN } from "./events";

/**
 * A command block: runnable ones type themselves into the terminal when clicked (`interrupt`: after Ctrl-C, which
 * stops what runs there); the others can be copied.
 */
export function CodeBlock({ code, runnable, interrupt = false }: { code: string; runnable: boolean; interrupt?: boolean }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    await navigator.clipboard?.writeText(code).catch(() => {});
    setCopied(true);
    setTimeout(() => setCopied(false), 1500);
  };
  return (
    <div className="not-prose group relative my-4">
      {runnable ? (
        <button
          type="button"
          data-testid="run-block"
          data-interrupt={interrupt ? "1" : undefined}
          title={interrupt ? "Stop what runs in the terminal (Ctrl-C), then run this" : "Run this in the terminal"}
          onClick={(e) => emit(RUN, { command: code, interrupt, node: e.currentTarget.closest<HTMLElement>("[data-step-node]")?.dataset.stepNode })}
          className="block w-full rounded-md bg-slate-900 px-4 py-3 pr-24 text-left font-mono text-sm text-emerald-300 hover:ring-2 hover:ring-sky-400 focus:outline-none focus:ring-2 focus:ring-sky-400"
        >
          <span className="select-none text-slate-500">$ </span>
          <span className="whitespace-pre-wrap">{code}</span>
          <span className="absolute right-3 top-2.5 rounded bg-sky-600 px-2 py-0.5 text-xs font-sans text-white">{interrupt ? "■ Stop & run" : "▶ Run"}</span>
        </button>
      ) : (
        <pre className="overflow-x-auto rounded-md bg-slate-900 px-4 py-3 pr-20 font-mono text-sm text-slate-100">{code}</pre>
      )}
      {!runnable && (
        <button
          type="button"
          onClick={copy}
          className="absolute right-2 top-2 rounded bg-slate-700 px-2 py-0.5 text-xs text-white opacity-80 hover:opacity-100 focus:opacity-100"
        >
          {copied ? "Copied" : "Copy"}
        </button>
      )}
    </div>
  );
}
