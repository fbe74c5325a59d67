import type { CheckAttempt, LessonReport, StepReport } from "./rehearse";

// lessons:test's report as text: a line per typed block and per verdict of a step, and a closing summary.

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const mark = (ok: boolean) => (ok ? "✔" : "✖");
const code = (text: string) => `\`${text.replace(/\s*\n\s*/g, " ⏎ ")}\``;
const times = (tries: number) => `${tries} ${tries === 1 ? "try" : "tries"}`;

const VERDICTS: Record<CheckAttempt["phase"], { ok: string; wrong: string }> = {
  before: { ok: "fails, as it should before the step", wrong: "passes already before the step, so the step proves nothing" },
  wrong: { ok: "refused, as it should be", wrong: "PASSES: the check cannot tell this wrong answer from the right one" },
  solution: { ok: "passes", wrong: "still fails" },
  quiz: { ok: "judged right", wrong: "judged WRONGLY" },
};

function attemptLine(a: CheckAttempt): string {
  const what =
    a.phase === "before"
      ? "before the step"
      : a.phase === "solution"
        ? "after the solution"
        : a.phase === "quiz"
          ? `quiz answer ${a.answer} (should ${a.expected})`
          : `wrong answer ${code(a.answer!)}${a.typed ? ` (exit ${a.typed.exitCode}, ${seconds(a.typed.ms)})` : ""}`;
  const verdict = a.ok ? VERDICTS[a.phase].ok : VERDICTS[a.phase].wrong;
  const timing = a.phase === "quiz" ? "" : ` (${times(a.tries)}, ${seconds(a.ms)})`;
  const message = !a.passed || !a.ok ? `: ${a.message}` : "";
  return `${mark(a.ok)} ${what}: ${verdict}${timing}${message}`;
}

/** One line per verdict and per solution block, in the order they happened, then the error if any. */
export function stepLines(step: StepReport): string[] {
  const verdicts = (phase: CheckAttempt["phase"]) => step.attempts.filter((a) => a.phase === phase).map(attemptLine);
  const lines = [
    ...verdicts("before"),
    ...verdicts("wrong"),
    ...step.solution.map((c) => `  solution ${code(c.command)} (exit ${c.exitCode}, ${seconds(c.ms)})`),
    ...verdicts("solution"),
    ...verdicts("quiz"),
  ];
  if (!step.attempts.length && !step.error) lines.push("  nothing to check in this step");
  if (step.error) lines.push(`✖ ${step.error}`);
  lines.push(...outputLines(step.output));
  return lines;
}

/** Output of a terminal or a setup script, indented under what it explains. */
const outputLines = (output: string | undefined) =>
  output
    ? output
        .trimEnd()
        .split("\n")
        .map((l) => `    │ ${l}`)
    : [];

/** Why a step failed, for the test's assertion: its wrong verdicts, error and terminal output. */
export function stepFailure(step: StepReport): string {
  return stepLines(step)
    .filter((l) => !l.startsWith("✔") && !l.startsWith("  "))
    .join("\n");
}

/** The closing summary over every lesson rehearsed. */
export function summaryLines(lessons: LessonReport[]): string[] {
  const width = Math.max(0, ...lessons.flatMap((l) => l.steps.map((s) => s.id.length)));
  const lines = ["", "lessons:test summary"];
  for (const lesson of lessons) {
    const boot = lesson.bootMs !== undefined ? `boot ${seconds(lesson.bootMs)}, ` : "";
    lines.push(
      `${mark(lesson.ok)} ${lesson.slug} (${boot}${lesson.steps.length} step${lesson.steps.length === 1 ? "" : "s"}, ${seconds(lesson.ms)})${lesson.error ? `: ${lesson.error}` : ""}`,
      ...outputLines(lesson.output),
    );
    for (const step of lesson.steps) {
      const right = step.attempts.filter((a) => a.ok).length;
      const verdicts = step.attempts.length ? `${right}/${step.attempts.length} verdicts as expected` : "nothing to check";
      lines.push(`    ${mark(step.ok)} ${step.id.padEnd(width)}  ${seconds(step.ms).padStart(7)}  ${verdicts}${step.error ? `; ${step.error}` : ""}`);
    }
  }
  const failed = lessons.filter((l) => !l.ok).length;
  lines.push(`lessons: ${lessons.length - failed} passed, ${failed} failed`);
  return lines;
}
