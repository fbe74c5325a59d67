"use client";

import { useEffect, useState } from "react";
import { on, PASSED } from "./events";
import { ProgressBar } from "./ProgressBar";

export function LessonProgress({ steps, initiallyPassed }: { steps: string[]; initiallyPassed: string[] }) {
  const [passed, setPassed] = useState(() => new Set(initiallyPassed));
  useEffect(() => on<{ step: string }>(PASSED, ({ step }) => setPassed((p) => new Set(p).add(step))), []);
  return <ProgressBar done={steps.filter((s) => passed.has(s)).length} total={steps.length} label="Your progress in this lesson" />;
}
