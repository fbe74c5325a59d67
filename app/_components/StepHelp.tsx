"use client";

import { createContext, useContext, useState, type ReactNode } from "react";

// Hints are revealed one by one, and the solution on demand; each reveal is recorded on the server (graders
// see how much help was taken) before it is shown.

interface Help {
  lesson: string;
  step: string;
  hintsShown: number;
  solutionShown: boolean;
  revealHint(index: number): Promise<void>;
}

const HelpContext = createContext<Help | undefined>(undefined);

async function record(lesson: string, step: string, kind: "hint" | "solution", index: number): Promise<void> {
  const res = await fetch(`/api/lessons/${lesson}/steps/${step}/help`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ kind, index }),
  });
  if (!res.ok) throw new Error(((await res.json().catch(() => ({}))) as { message?: string }).message ?? `Could not record (${res.status}).`);
}

/** The help a learner already took on this step (from the server), for the step's hints and solution. */
export function StepHelp(props: { lesson: string; step: string; used: { hints: number; solution: boolean }; children: ReactNode }) {
  const { lesson, step, used, children } = props;
  const [shown, setShown] = useState(used.hints);
  const revealHint = async (index: number) => {
    await record(lesson, step, "hint", index);
    setShown((n) => Math.max(n, index + 1));
  };
  return <HelpContext.Provider value={{ lesson, step, hintsShown: shown, solutionShown: used.solution, revealHint }}>{children}</HelpContext.Provider>;
}

function useRevealing(reveal: () => Promise<void>) {
  const [state, setState] = useState<{ busy: boolean; error?: string }>({ busy: false });
  const run = async () => {
    setState({ busy: true });
    try {
      await reveal();
      setState({ busy: false });
    } catch (e) {
      setState({ busy: false, error: (e as Error).message });
    }
  };
  return { ...state, run };
}

function RevealButton(props: { reveal: ReturnType<typeof useRevealing>; className: string; children: ReactNode }) {
  const { reveal, className, children } = props;
  return (
    <div className="not-prose my-3">
      <button
        type="button"
        onClick={reveal.run}
        disabled={reveal.busy}
        className={`rounded border px-3 py-1 text-sm focus:outline-none focus:ring-2 ${className}`}
      >
        {children}
      </button>
      {reveal.error && (
        <span role="alert" className="ml-3 text-sm text-rose-700">
          {reveal.error}
        </span>
      )}
    </div>
  );
}

/** One hint: shown once revealed; the next hint to reveal offers its button; later ones wait. */
export function HintReveal({ index, total, children }: { index: number; total: number; children: ReactNode }) {
  const help = useContext(HelpContext)!;
  const reveal = useRevealing(() => help.revealHint(index));
  if (index < help.hintsShown)
    return (
      <div data-testid="hint" className="not-prose my-3 rounded border-l-4 border-amber-400 bg-amber-50 px-4 py-2 text-sm text-amber-950">
        <span className="font-semibold">Hint {index + 1}: </span>
        {children}
      </div>
    );
  if (index > help.hintsShown) return null;
  return (
    <RevealButton reveal={reveal} className="border-amber-400 text-amber-900 hover:bg-amber-50 focus:ring-amber-400">
      {index === 0 ? "Show a hint" : "Show another hint"} ({index + 1} of {total})
    </RevealButton>
  );
}

export function SolutionReveal({ children }: { children: ReactNode }) {
  const help = useContext(HelpContext)!;
  const [open, setOpen] = useState(help.solutionShown);
  const reveal = useRevealing(async () => {
    await record(help.lesson, help.step, "solution", 0);
    setOpen(true);
  });
  if (open)
    return (
      <div data-testid="solution" className="my-3 rounded border border-slate-300 bg-slate-50 px-4 py-1">
        <p className="text-sm font-semibold text-slate-700">Solution</p>
        {children}
      </div>
    );
  return (
    <RevealButton reveal={reveal} className="border-slate-400 text-slate-800 hover:bg-slate-100 focus:ring-sky-400">
      Show the solution
    </RevealButton>
  );
}
