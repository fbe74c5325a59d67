"use client";

import { readSetupFailure } from "@dockyard/contract";

/**
 * A lesson's or step's setup that failed (refusal setup_failed): what happened in plain words, the end of the
 * script's output, and a Retry that runs it again (only what has not passed runs). `dark`: on the terminal's
 * background; `focus`: Retry takes the keyboard focus (when nothing else of the lab can be used meanwhile).
 */
export function SetupFailure({ message, onRetry, dark = false, focus = false }: { message: string; onRetry: () => void; dark?: boolean; focus?: boolean }) {
  const { summary, output } = readSetupFailure(message);
  return (
    <div role="alert" data-testid="setup-failure" className="space-y-2 text-sm">
      <p className={`font-medium ${dark ? "text-rose-300" : "text-rose-800"}`}>{summary}</p>
      <p className={dark ? "text-slate-300" : "text-slate-600"}>
        Retry runs the setup again. If it keeps failing, tell your instructor: the lesson&apos;s preparation needs fixing.
      </p>
      {output && (
        <>
          <p className={dark ? "text-slate-300" : "text-slate-600"}>What the setup script printed last:</p>
          <pre data-testid="setup-output" className="max-h-64 overflow-auto whitespace-pre-wrap rounded bg-slate-950 p-2 font-mono text-xs text-slate-100">
            {output}
          </pre>
        </>
      )}
      <button
        type="button"
        autoFocus={focus}
        onClick={onRetry}
        className="rounded bg-sky-600 px-3 py-1.5 font-medium text-white hover:bg-sky-700 focus:outline-none focus:ring-2 focus:ring-sky-400"
      >
        Retry
      </button>
    </div>
  );
}
