import type { CheckResult } from "../types";
import type { Quiz } from "./schema";

/** Judges a learner's choices (option indexes) against a quiz: every right option, and nothing else. */
export function judgeQuiz(quiz: Quiz, choices: number[]): CheckResult {
  const chosen = new Set(choices);
  const missing = quiz.correct.filter((i) => !chosen.has(i)).length;
  const wrong = [...chosen].filter((i) => !quiz.correct.includes(i)).length;
  const passed = missing === 0 && wrong === 0;
  const several = quiz.correct.length > 1;
  const message = passed
    ? "Right answer."
    : !chosen.size
      ? "Choose an answer first."
      : wrong
        ? `Not quite: ${wrong === 1 ? "one choice is" : `${wrong} choices are`} not right.${several ? " More than one answer may be right." : ""}`
        : `Almost: ${missing === 1 ? "one more answer is" : `${missing} more answers are`} right too.`;
  return { passed, message, criteria: [{ name: "answer", passed, message }] };
}
