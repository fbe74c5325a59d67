import type { CohortGrades } from "./grading";
import { COMMANDS_NOTE, type StepReport } from "./evidence";

// A cohort's grades as files a grader takes elsewhere: CSV with one row per student per step (for a
// spreadsheet), and JSON with everything, every attempt's structured result and origin included.
//
// CSV: attempts and failed_attempts are the learner's attempts (evidence.ts says which checks those are);
// automatic_checks the checks the page ran by itself; attempts_origin_unknown, of the attempts, those recorded
// before asked and automatic were told apart; commands_note, on a row with commands, where they come from and that
// the checks are the authority (evidence.ts's COMMANDS_NOTE, which the JSON carries once as commandsNote). New
// columns go at the end, so a sheet reading columns by place keeps working.

export const CSV_COLUMNS = [
  "cohort",
  "student_email",
  "student_id",
  "lesson",
  "lesson_title",
  "step",
  "step_title",
  "graded",
  "status",
  "completed_at",
  "due_at",
  "late",
  "attempts",
  "failed_attempts",
  "last_result",
  "hints_used",
  "solution_shown",
  "started_at",
  "seconds_spent",
  "commands",
  "automatic_checks",
  "attempts_origin_unknown",
  "commands_note",
] as const;

const iso = (date: Date | undefined) => date?.toISOString() ?? "";

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. A field a spreadsheet would run
 * as a formula (=, +, -, @, tab, CR first) is prefixed with ', since commands and emails come from learners.
 */
export function csvField(value: string | number | boolean): string {
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function stepRow(grades: CohortGrades, student: CohortGrades["students"][number], lessonIndex: number, step: StepReport): (string | number | boolean)[] {
  const lesson = student.lessons[lessonIndex]!;
  const row: Record<(typeof CSV_COLUMNS)[number], string | number | boolean> = {
    cohort: grades.cohort.name,
    student_email: student.email,
    student_id: student.learnerId,
    lesson: lesson.slug,
    lesson_title: lesson.title,
    step: step.stepId,
    step_title: step.title,
    graded: step.graded,
    status: step.status,
    completed_at: iso(step.completedAt),
    due_at: iso(lesson.dueAt),
    late: step.late,
    attempts: step.counts.attempts,
    failed_attempts: step.counts.failedAttempts,
    last_result: step.attempts.at(-1)?.result.message ?? "",
    hints_used: step.hintsUsed,
    solution_shown: step.solutionShown,
    started_at: iso(step.startedAt),
    seconds_spent: step.secondsSpent ?? "",
    commands: step.commands.map((c) => c.command).join("\n"),
    automatic_checks: step.counts.automatic,
    attempts_origin_unknown: step.counts.unknown,
    commands_note: step.commands.length ? COMMANDS_NOTE : "",
  };
  return CSV_COLUMNS.map((column) => row[column]);
}

export function gradesCsv(grades: CohortGrades): string {
  const lines = [CSV_COLUMNS.join(",")];
  for (const student of grades.students)
    student.lessons.forEach((lesson, i) => {
      for (const step of lesson.steps) lines.push(stepRow(grades, student, i, step).map(csvField).join(","));
    });
  return lines.join("\r\n") + "\r\n";
}

export function gradesJson(grades: CohortGrades, exportedAt = new Date()) {
  return { format: "dockyard-grades/1", exportedAt: exportedAt.toISOString(), commandsNote: COMMANDS_NOTE, ...grades };
}

/** A file name for the download: the cohort's name, made safe, and the day. */
export function exportFileName(grades: CohortGrades, extension: "csv" | "json", day = new Date()): string {
  const name =
    grades.cohort.name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "") || "cohort";
  return `${name}-grades-${day.toISOString().slice(0, 10)}.${extension}`;
}
