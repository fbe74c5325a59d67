import { test } from "node:test";
import assert from "node:assert/strict";
import { bandOf, checksSummary, parseSort, progressOf, sortParam, sortStudents, toggled } from "../../app/_lib/gradesView";
import { countAttempts, type LessonReport } from "../../app/_lib/evidence";

// The grades matrix's colour bands and sort, and the wording of check counts, on hand-made reports.

const lesson = (slug: string, passedSteps: number, gradedSteps = 3) => ({ slug, passedSteps, gradedSteps }) as LessonReport;
const student = (email: string, ...lessons: LessonReport[]) => ({ learnerId: email, email, lessons });
const students = [
  student("cy@example.com", lesson("a", 3), lesson("b", 0)),
  student("al@example.com", lesson("a", 1), lesson("b", 3)),
  student("bo@example.com", lesson("a", 1), lesson("b", 1)),
  student("di@example.com", lesson("a", 0), lesson("b", 0)),
];
const order = (sort: string) => sortStudents(students, parseSort(sort, ["a", "b"])).map((s) => s.email.slice(0, 2));

test("the matrix sorts by student, by overall progress or by a lesson, either way; ties by email", () => {
  assert.deepEqual(order(""), ["al", "bo", "cy", "di"], "by student unless asked");
  assert.deepEqual(order("-student"), ["di", "cy", "bo", "al"]);
  assert.deepEqual(order("lesson:a"), ["di", "al", "bo", "cy"], "least passed first; al and bo tie, by email");
  assert.deepEqual(order("-lesson:a"), ["cy", "al", "bo", "di"], "ties stay by email whichever the direction");
  assert.deepEqual(order("progress"), ["di", "bo", "cy", "al"]);
  assert.deepEqual(order("-progress"), ["al", "cy", "bo", "di"]);
  for (const unknown of ["lesson:zzz", "lesson:", "nonsense", "-"]) assert.deepEqual(order(unknown), ["al", "bo", "cy", "di"], unknown);
  assert.deepEqual(parseSort(["progress", "student"], ["a"]), { key: { by: "student" }, descending: false }, "a repeated parameter is not guessed at");
});

test("a header's link toggles its own sort and starts any other ascending; the URL form round-trips", () => {
  const byA = parseSort("lesson:a", ["a", "b"]);
  assert.equal(sortParam(toggled(byA, { by: "lesson", slug: "a" })), "-lesson:a");
  assert.equal(sortParam(toggled(parseSort("-lesson:a", ["a"]), { by: "lesson", slug: "a" })), "lesson:a");
  assert.equal(sortParam(toggled(byA, { by: "lesson", slug: "b" })), "lesson:b");
  assert.equal(sortParam(toggled(byA, { by: "student" })), "student");
  assert.equal(sortParam(toggled(parseSort("", []), { by: "student" })), "-student", "the default sort is by student, ascending");
  for (const p of ["student", "-student", "progress", "-progress", "lesson:b", "-lesson:b"]) assert.equal(sortParam(parseSort(p, ["a", "b"])), p);
});

test("cells fall in five bands of the share passed: none, under a third, to two thirds, over two thirds, all", () => {
  assert.deepEqual(
    [
      [0, 3],
      [1, 4],
      [1, 3],
      [2, 3],
      [3, 4],
      [3, 3],
      [0, 0],
    ].map(([p, g]) => bandOf(p!, g!).id),
    ["none", "low", "mid", "mid", "high", "all", "none"],
  );
  assert.equal(progressOf([lesson("a", 1, 4), lesson("b", 2, 4)]), 3 / 8);
  assert.equal(progressOf([]), 0);
});

test("counts read as the grader's report asked: checks asked apart from automatic ones", () => {
  const at = new Date(0);
  const c = (origin: "asked" | "automatic" | "unknown", passed = false) => ({ at, passed, origin, result: { passed, message: "", criteria: [] } });
  assert.equal(checksSummary(countAttempts([c("asked"), ...Array.from({ length: 6 }, () => c("automatic"))])), "1 check asked, 6 automatic");
  assert.equal(checksSummary(countAttempts([])), "0 checks asked, 0 automatic");
  assert.equal(checksSummary(countAttempts([c("asked"), c("asked", true)]), true), "2 answers", "a quiz's attempts are answers");
  assert.equal(checksSummary(countAttempts([c("automatic"), c("unknown"), c("unknown")])), "0 checks asked, 1 automatic, 2 not told apart");
});
