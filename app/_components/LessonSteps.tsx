"use client";

import { createContext, useContext, useEffect, useMemo, useState, type ComponentProps, type ReactNode } from "react";
import { on, PASSED } from "./events";
import { POSITION_REPORT_MS } from "../_lib/classView";

// Which step of the lesson the learner is on, kept by the lesson page: the step they last touched (clicked or
// focused anything in), else the first graded step not done yet; once a step passes, the next one not done.
// The terminal tells the lab-runner, which files the commands typed from then on under that step; a step's
// check runs by itself after a command only while it is the first one not done. The site is told the current step
// when it changes and every minute while the page is in view (the instructor's class view shows it).

interface Steps {
  /** The step the learner works on, if any. */
  current?: string;
  /** The first graded step not done yet, if any. */
  next?: string;
  touch(step: string): void;
}

const StepsContext = createContext<Steps>({ touch: () => {} });

/** `graded`: the ids of the steps with a check or a quiz, in the lesson's order; `initiallyPassed`: those done. */
export function LessonSteps({
  lesson,
  graded,
  initiallyPassed,
  children,
}: {
  lesson: string;
  graded: string[];
  initiallyPassed: string[];
  children: ReactNode;
}) {
  const [passed, setPassed] = useState(() => new Set(initiallyPassed));
  const [touched, setTouched] = useState<string>();
  useEffect(
    () =>
      on<{ step: string }>(PASSED, ({ step }) => {
        setPassed((p) => new Set(p).add(step));
        setTouched(undefined);
      }),
    [],
  );
  const next = graded.find((id) => !passed.has(id));
  const current = touched ?? next;
  const steps = useMemo(() => ({ current, next, touch: setTouched }), [current, next]);
  useEffect(() => {
    if (!current) return;
    const report = () =>
      document.visibilityState === "visible" && void fetch(`/api/lessons/${lesson}/steps/${current}/position`, { method: "POST" }).catch(() => {});
    report();
    const timer = setInterval(report, POSITION_REPORT_MS);
    document.addEventListener("visibilitychange", report);
    return () => {
      clearInterval(timer);
      document.removeEventListener("visibilitychange", report);
    };
  }, [lesson, current]);
  return <StepsContext.Provider value={steps}>{children}</StepsContext.Provider>;
}

/** A step in the lesson's text: touching anything in it makes it the learner's current step. */
export function StepSection({ step, ...props }: { step: string } & ComponentProps<"section">) {
  const { touch } = useContext(StepsContext);
  return <section {...props} onPointerDown={() => touch(step)} onFocus={() => touch(step)} />;
}

export const useCurrentStep = () => useContext(StepsContext).current;

export const useNextStep = () => useContext(StepsContext).next;
