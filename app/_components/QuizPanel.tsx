"use client";

import { useState } from "react";
import type { CheckResult } from "@dockyard/contract";
import { emit, PASSED } from "./events";

/** A multiple-choice question; the server judges the answer (the right options never reach the browser). */
export function QuizPanel(props: { lesson: string; step: string; question: string; options: string[]; several: boolean; initiallyPassed: boolean }) {
  const { lesson, step, question, options, several } = props;
  const [chosen, setChosen] = useState<number[]>([]);
  const [passed, setPassed] = useState(props.initiallyPassed);
  const [result, setResult] = useState<{ passed: boolean; message: string }>();
  const [busy, setBusy] = useState(false);

  const toggle = (i: number) => setChosen((c) => (several ? (c.includes(i) ? c.filter((x) => x !== i) : [...c, i]) : [i]));
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      const res = await fetch(`/api/lessons/${lesson}/steps/${step}/quiz`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ choices: chosen }),
      });
      const body = (await res.json()) as CheckResult & { message: string };
      setResult({ passed: res.ok && body.passed, message: body.message });
      if (res.ok && body.passed) {
        setPassed(true);
        emit(PASSED, { step });
      }
    } catch (err) {
      setResult({ passed: false, message: (err as Error).message });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      onSubmit={submit}
      data-testid={`quiz-${step}`}
      data-check-status={passed ? "passed" : "pending"}
      className="not-prose my-4 rounded border border-sky-200 bg-sky-50/50 p-4"
    >
      <fieldset>
        <legend className="font-medium">{question}</legend>
        {several && <p className="text-xs text-slate-500">Choose every answer that is right.</p>}
        <div className="mt-3 space-y-2">
          {options.map((option, i) => (
            <label key={i} className="flex cursor-pointer items-start gap-2 text-sm">
              <input type={several ? "checkbox" : "radio"} name={`quiz-${step}`} checked={chosen.includes(i)} onChange={() => toggle(i)} className="mt-0.5" />
              <span>{option}</span>
            </label>
          ))}
        </div>
      </fieldset>
      <div className="mt-3 flex items-center gap-3">
        <button
          type="submit"
          disabled={busy || !chosen.length}
          className="rounded bg-sky-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-sky-700 focus:outline-none focus:ring-2 focus:ring-sky-400 disabled:opacity-60"
        >
          Check my answer
        </button>
        {passed && (
          <span className="font-medium text-emerald-700" data-testid="check-passed">
            ✓ Step complete
          </span>
        )}
      </div>
      <p aria-live="polite" data-testid="quiz-message" className={`mt-2 text-sm ${result?.passed ? "text-emerald-800" : "text-amber-900"}`}>
        {result?.message}
      </p>
    </form>
  );
}
