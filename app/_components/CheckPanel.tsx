"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import type { CheckResult } from "@dockyard/contract";
import { COMMAND, emit, on, PASSED } from "./events";
import { useNextStep } from "./LessonSteps";
import type { CheckOrigin } from "@/app/_lib/checkOrigins";

type State = { kind: "idle" } | { kind: "checking" } | { kind: "result"; result: CheckResult } | { kind: "error"; message: string };

// A command may take a while (a build, a busy machine): look again a few times, then leave it to the button.
const AUTO_CHECK_DELAYS_MS = [1500, 4000, 8000, 15000];

/**
 * The step's check: on a button, and automatically a moment after a command ran while the step is open (the first
 * not done). Each request says which (origin), so graders count the learner's own checks apart from the page's.
 */
export function CheckPanel({ lesson, step, initiallyPassed }: { lesson: string; step: string; initiallyPassed: boolean }) {
  const [passed, setPassed] = useState(initiallyPassed);
  const [state, setState] = useState<State>({ kind: "idle" });
  // Checks under way, of each origin: an automatic one waits for none to be; the learner's button never waits for an automatic one.
  const inFlight = useRef({ asked: 0, automatic: 0 });
  const timers = useRef<ReturnType<typeof setTimeout>[]>([]);

  const check = useCallback(
    async (origin: CheckOrigin) => {
      const auto = origin === "automatic";
      if (inFlight.current.asked > 0 || (auto && inFlight.current.automatic > 0)) return;
      inFlight.current[origin] += 1;
      if (!auto) setState({ kind: "checking" });
      try {
        const res = await fetch(`/api/labs/${lesson}/steps/${step}/check`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ origin }),
        });
        const body = await res.json();
        if (!res.ok) throw new Error(body.message ?? `Check failed (${res.status}).`);
        const result = body as CheckResult;
        setState({ kind: "result", result });
        if (result.passed) {
          setPassed(true);
          emit(PASSED, { step });
        }
        return result.passed;
      } catch (e) {
        if (!auto) setState({ kind: "error", message: (e as Error).message });
      } finally {
        inFlight.current[origin] -= 1;
      }
    },
    [lesson, step],
  );

  const open = useNextStep() === step;
  useEffect(() => {
    const off = on(COMMAND, () => {
      if (passed || !open) return;
      timers.current.forEach(clearTimeout);
      timers.current = AUTO_CHECK_DELAYS_MS.map((ms) =>
        setTimeout(async () => {
          if (await check("automatic")) timers.current.forEach(clearTimeout);
        }, ms),
      );
    });
    return () => {
      off();
      timers.current.forEach(clearTimeout);
    };
  }, [check, passed, open]);

  const result = state.kind === "result" ? state.result : undefined;
  return (
    <div className="mt-4 border-t border-slate-100 pt-4" data-check-status={passed ? "passed" : "pending"} data-testid={`check-${step}`}>
      <div className="flex items-center gap-3">
        <button
          type="button"
          onClick={() => check("asked")}
          disabled={state.kind === "checking"}
          className="rounded bg-sky-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-sky-700 focus:outline-none focus:ring-2 focus:ring-sky-400 disabled:opacity-60"
        >
          {state.kind === "checking" ? "Checking…" : "Check my work"}
        </button>
        {passed ? (
          <span className="font-medium text-emerald-700" data-testid="check-passed">
            ✓ Step complete
          </span>
        ) : (
          <span className="text-sm text-slate-500">Not done yet</span>
        )}
      </div>
      <div aria-live="polite">
        {result && (
          <div
            data-testid="check-message"
            className={`mt-3 rounded p-3 text-sm ${result.passed ? "bg-emerald-50 text-emerald-900" : "bg-amber-50 text-amber-900"}`}
          >
            <p>{result.passed ? result.message : `Not yet: ${result.message}`}</p>
            {result.criteria.length > 1 && (
              <ul className="mt-2 space-y-1">
                {result.criteria.map((c) => (
                  <li key={c.name}>
                    {c.passed ? "✓" : "✗"} {c.message}
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
        {state.kind === "error" && (
          <p className="mt-3 rounded bg-rose-50 p-3 text-sm text-rose-900" role="alert">
            {state.message}
          </p>
        )}
      </div>
    </div>
  );
}
