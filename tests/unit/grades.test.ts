import { test } from "node:test";
import assert from "node:assert/strict";
import { COMMANDS_NOTE, lessonReport, type EvidenceRows } from "../../app/_lib/evidence";
import { csvField, CSV_COLUMNS, exportFileName, gradesCsv, gradesJson } from "../../app/_lib/gradeExport";
import type { CohortGrades } from "../../app/_lib/grading";
import type { Lesson, Step, CheckResult } from "@dockyard/contract/server";

// The evidence assembled for graders and the files exported from it, on hand-made records.

const step = (id: string, graded: "checks" | "quiz" | "none" = "checks"): Step => ({
  id,
  title: `Title of ${id}`,
  checks: graded === "checks" ? [{ kind: "script", script: "true" } as unknown as Step["checks"][number]] : [],
  commands: [],
  solution: [],
  wrong: [],
  hints: 2,
  quiz: graded === "quiz" ? { question: "?", options: ["a", "b"], correct: [0] } : undefined,
});
const lesson = { slug: "demo", title: "Demo", steps: [step("run"), step("think", "quiz"), step("read", "none"), step("later")] } as Lesson;

const at = (minute: number, second = 0) => new Date(Date.UTC(2026, 11, 1, 10, minute, second));
const result = (passed: boolean, commands: [number, string][] = []): string =>
  JSON.stringify({
    passed,
    message: passed ? "Well done" : "Not yet",
    criteria: [{ name: "container", passed, message: passed ? "found" : "missing" }],
    commands: commands.map(([minute, command]) => ({ at: at(minute).toISOString(), step: "run", exitCode: 0, command })),
  } satisfies CheckResult);

const rows: EvidenceRows = {
  attempts: [
    { learnerId: "kim", lessonSlug: "demo", stepId: "run", passed: false, result: result(false, [[1, "docker ps"]]), origin: "asked", createdAt: at(2) },
    {
      learnerId: "kim",
      lessonSlug: "demo",
      stepId: "run",
      passed: true,
      result: result(true, [
        [1, "docker ps"],
        [4, "docker run busybox"],
      ]),
      origin: "asked",
      createdAt: at(5),
    },
    {
      learnerId: "kim",
      lessonSlug: "demo",
      stepId: "think",
      passed: true,
      result: JSON.stringify({ passed: true, message: "Right", criteria: [] }),
      origin: "asked",
      createdAt: at(7),
    },
    { learnerId: "kim", lessonSlug: "demo", stepId: "later", passed: false, result: "not json", origin: "asked", createdAt: at(9) },
    { learnerId: "sam", lessonSlug: "demo", stepId: "run", passed: true, result: result(true), origin: "asked", createdAt: at(1) },
    { learnerId: "kim", lessonSlug: "other", stepId: "run", passed: true, result: result(true), origin: "asked", createdAt: at(1) },
  ],
  completions: [
    { learnerId: "kim", lessonSlug: "demo", stepId: "run", completedAt: at(5) },
    { learnerId: "kim", lessonSlug: "demo", stepId: "think", completedAt: at(7) },
    { learnerId: "sam", lessonSlug: "demo", stepId: "run", completedAt: at(1) },
  ],
  helps: [
    { learnerId: "kim", lessonSlug: "demo", stepId: "run", kind: "hint", index: 0, createdAt: at(0, 30) },
    { learnerId: "kim", lessonSlug: "demo", stepId: "run", kind: "hint", index: 1, createdAt: at(3) },
    { learnerId: "kim", lessonSlug: "demo", stepId: "later", kind: "solution", index: 0, createdAt: at(8) },
  ],
};

test("a step's evidence: its attempts in order, help taken, commands once each, time from first activity to the pass", () => {
  const report = lessonReport(lesson, "kim", rows, at(30), at(10));
  const run = report.steps[0]!;
  assert.equal(run.status, "passed");
  assert.deepEqual(run.completedAt, at(5));
  assert.deepEqual(
    run.attempts.map((a) => [a.passed, a.result.message]),
    [
      [false, "Not yet"],
      [true, "Well done"],
    ],
  );
  assert.equal(run.hintsUsed, 2);
  assert.equal(run.solutionShown, false);
  assert.deepEqual(
    run.commands.map((c) => c.command),
    ["docker ps", "docker run busybox"],
  );
  assert.deepEqual(run.startedAt, at(0, 30), "the first hint was the first thing done");
  assert.equal(run.secondsSpent, 270);
  assert.equal(run.quiz, false);

  const [, think, read, later] = report.steps;
  assert.equal(think!.quiz, true);
  assert.equal(read!.graded, false);
  assert.equal(read!.status, "not started");
  assert.equal(read!.secondsSpent, undefined);
  assert.equal(later!.status, "attempted");
  assert.equal(later!.solutionShown, true);
  assert.equal(later!.attempts[0]!.result.message, "(the stored result could not be read)");
  assert.equal(later!.secondsSpent, 60, "not done: until the last thing recorded");
  assert.deepEqual([report.gradedSteps, report.passedSteps, report.completedAt, report.late], [3, 2, undefined, false]);
});

test("the learner's attempts are the checks they asked for; the page's automatic checks are counted apart and never fail an attempt", () => {
  // The grader's report: a student who clicked "Check my work" once read "7 attempts", the page's own checks after each command included.
  const check = (passed: boolean, origin: string, minute: number): EvidenceRows["attempts"][number] => ({
    learnerId: "ada",
    lessonSlug: "demo",
    stepId: "run",
    passed,
    result: result(passed),
    origin,
    createdAt: at(minute),
  });
  const attempts = [1, 2, 3, 5, 6].map((m) => check(false, "automatic", m));
  const own: EvidenceRows = {
    attempts: [...attempts, check(false, "asked", 4), check(true, "automatic", 7)],
    completions: [{ learnerId: "ada", lessonSlug: "demo", stepId: "run", completedAt: at(7) }],
    helps: [],
  };
  const report = lessonReport(lesson, "ada", own, at(30), at(10));
  const run = report.steps[0]!;
  assert.deepEqual(run.counts, { asked: 1, automatic: 6, unknown: 0, attempts: 1, failedAttempts: 1 });
  assert.deepEqual(
    run.attempts.map((a) => a.origin),
    ["automatic", "automatic", "automatic", "asked", "automatic", "automatic", "automatic"],
    "every check stays in the evidence, oldest first, each saying who asked for it",
  );
  assert.equal(run.status, "passed", "an automatic check that passes passes the step");
  assert.deepEqual(report.counts, run.counts, "the lesson adds up its steps");

  const older: EvidenceRows = { ...own, attempts: [check(false, "unknown", 1), check(true, "", 2), check(false, "automatic", 3)] };
  assert.deepEqual(
    lessonReport(lesson, "ada", older).steps[0]!.counts,
    { asked: 0, automatic: 1, unknown: 2, attempts: 2, failedAttempts: 1 },
    "checks from before origins were recorded count as attempts, as they did then",
  );
  assert.deepEqual(lessonReport(lesson, "ada", older).steps[0]!.attempts[1]!.origin, "unknown", "an origin the site never writes reads unknown");

  const grades: CohortGrades = {
    cohort: { id: "c1", name: "C", dueAt: at(30) },
    lessons: [{ slug: "demo", title: "Demo", dueAt: at(30) }],
    students: [{ learnerId: "ada", email: "ada@example.com", lessons: [report] }],
  };
  const [header, first] = gradesCsv(grades).split("\r\n");
  const row = Object.fromEntries(header!.split(",").map((column, i) => [column, first!.split(",")[i]]));
  assert.deepEqual([row.attempts, row.failed_attempts, row.automatic_checks, row.attempts_origin_unknown, row.last_result], ["1", "1", "6", "0", "Well done"]);
});

test("a lesson is complete when every graded step passed, and late when past due without that or completed after it", () => {
  const sam = lessonReport({ ...lesson, steps: [step("run"), step("read", "none")] }, "sam", rows, at(30), at(10));
  assert.deepEqual([sam.passedSteps, sam.gradedSteps, sam.completedAt, sam.late], [1, 1, at(1), false]);
  const completedLate = lessonReport({ ...lesson, steps: [step("run")] }, "sam", rows, at(0), at(10));
  assert.equal(completedLate.late, true);
  const pastDue = lessonReport(lesson, "kim", rows, at(6), at(10));
  assert.equal(pastDue.late, true, "past due, not complete");
  assert.deepEqual(
    pastDue.steps.map((s) => [s.stepId, s.late]),
    [
      ["run", false],
      ["think", true],
      ["read", false],
      ["later", true],
    ],
    "a step passed after the due date, or not passed by it, is late; one not graded never is",
  );
  assert.equal(lessonReport(lesson, "kim", rows, undefined, at(10)).late, false, "no due date");
  assert.equal(
    lessonReport(lesson, "nobody", rows).steps.every((s) => s.status === "not started" && s.attempts.length === 0),
    true,
  );
});

test("CSV fields are quoted when they must be, and never run as spreadsheet formulas", () => {
  assert.equal(csvField("plain"), "plain");
  assert.equal(csvField(3), "3");
  assert.equal(csvField(true), "true");
  assert.equal(csvField("a,b"), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField("two\nlines"), '"two\nlines"');
  assert.equal(csvField('=HYPERLINK("x")'), '"\'=HYPERLINK(""x"")"');
  assert.equal(csvField("+1"), "'+1");
  assert.equal(csvField("-rm"), "'-rm");
  assert.equal(csvField("@sum"), "'@sum");
});

test("the CSV has one row per student per step, in the columns it names", () => {
  const grades: CohortGrades = {
    cohort: { id: "c1", name: "Spring, 2027", dueAt: at(30) },
    lessons: [{ slug: "demo", title: "Demo", dueAt: at(30) }],
    students: ["kim", "sam"].map((id) => ({ learnerId: id, email: `${id}@example.com`, lessons: [lessonReport(lesson, id, rows, at(30), at(10))] })),
  };
  const lines = gradesCsv(grades).split("\r\n");
  assert.equal(lines[0], CSV_COLUMNS.join(","));
  assert.equal(lines.at(-1), "", "the file ends with a line break");
  const body = gradesCsv(grades)
    .trimEnd()
    .split(/\r\n(?=")/); // each row starts with the quoted cohort name
  assert.equal(body.length - 1, 2 * lesson.steps.length);
  const kimRun = body.find((l) => l.includes("kim@example.com") && l.includes(",run,"))!;
  assert.equal(
    kimRun,
    `"Spring, 2027",kim@example.com,kim,demo,Demo,run,Title of run,true,passed,${at(5).toISOString()},${at(30).toISOString()},false,2,1,Well done,2,false,${at(0, 30).toISOString()},270,"docker ps\ndocker run busybox",0,0,"${COMMANDS_NOTE}"`,
  );
  assert.equal(exportFileName(grades, "csv", at(0)), "spring-2027-grades-2026-12-01.csv");
});

test("both exports say where commands come from and that the checks are the authority", () => {
  assert.match(COMMANDS_NOTE, /^Reported from inside the student's sandbox, by its shell\./);
  assert.match(COMMANDS_NOTE, /could have forged a report as it was made/);
  assert.match(COMMANDS_NOTE, /cannot change or delete it/);
  assert.match(COMMANDS_NOTE, /The checks, which judge the sandbox's real state, are the authority/);
  const grades: CohortGrades = {
    cohort: { id: "c1", name: "Spring", dueAt: at(30) },
    lessons: [{ slug: "demo", title: "Demo", dueAt: at(30) }],
    students: [{ learnerId: "kim", email: "kim@example.com", lessons: [lessonReport(lesson, "kim", rows, at(30), at(10))] }],
  };
  const lines = gradesCsv(grades).trimEnd().split("\r\n");
  assert.equal(lines[0]!.split(",").at(-1), "commands_note");
  const notes = lines.slice(1).map((line) => line.endsWith(`,"${COMMANDS_NOTE}"`));
  assert.deepEqual(notes, [true, false, false, false], "on the row with commands (run) only");
  assert.equal(gradesJson(grades).commandsNote, COMMANDS_NOTE);
});
