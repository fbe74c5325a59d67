"use client";

import { useCallback, useEffect, useState } from "react";
import { useCurrentStep } from "./LessonSteps";
import { SetupFailure } from "./SetupFailure";

type State = { kind: "idle" | "preparing" | "waiting" | "done" } | { kind: "failed"; message: string };

/** How long to wait before asking again while the lab has not started yet. */
const WAIT_FOR_LAB_MS = 3000;

/**
 * A step with ```sh setup blocks: once the learner reaches it (it becomes their current step), the lab-runner runs
 * them (never twice; its checks wait for them) while the step says "Preparing this step…"; a failure shows the
 * script's output with a Retry. Before the lab has started, it asks again every few seconds.
 */
export function StepSetup({ lesson, step }: { lesson: string; step: string }) {
  const reached = useCurrentStep() === step;
  const [state, setState] = useState<State>({ kind: "idle" });

  const prepare = useCallback(async () => {
    setState({ kind: "preparing" });
    try {
      const res = await fetch(`/api/labs/${lesson}/steps/${step}/setup`, { method: "POST" });
      const body = (await res.json().catch(() => ({}))) as { error?: string; message?: string };
      if (res.ok) setState({ kind: "done" });
      else if (body.error === "setup_failed") setState({ kind: "failed", message: body.message ?? "This step's setup failed." });
      else setState({ kind: "waiting" }); // the lab is not running yet (or the lab-runner is away): ask again
    } catch {
      setState({ kind: "waiting" });
    }
  }, [lesson, step]);

  useEffect(() => {
    if (reached && state.kind === "idle") void prepare();
  }, [reached, state.kind, prepare]);
  useEffect(() => {
    if (state.kind !== "waiting") return;
    const timer = setTimeout(() => setState({ kind: "idle" }), WAIT_FOR_LAB_MS);
    return () => clearTimeout(timer);
  }, [state.kind]);

  return (
    <div data-testid={`setup-${step}`} data-state={state.kind} aria-live="polite" className="mt-3">
      {(state.kind === "preparing" || state.kind === "waiting") && (
        <p role="status" className="rounded bg-sky-50 p-3 text-sm text-sky-900">
          Preparing this step…
        </p>
      )}
      {state.kind === "failed" && (
        <div className="rounded bg-rose-50 p-3">
          <SetupFailure message={state.message} onRetry={() => void prepare()} />
        </div>
      )}
    </div>
  );
}
