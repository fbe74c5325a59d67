import { test } from "node:test";
import assert from "node:assert/strict";
import type { Lesson } from "@dockyard/contract";
import { AWAY_AFTER_MS, classStatus, minutesOnStep, stuckOn, type ClassRows } from "../../app/_lib/classView";

// The instructor's class view: the stuck rule, minutes on a step (stopping when the page went away), and the
// class shaped from the rows the site keeps.

const rule = { failedChecks: 3, minutes: 10 };

test("stuck: a step not passed after enough failed attempts, or long enough on it; failed attempts are the stronger sign", () => {
  assert.equal(stuckOn(rule, { passed: false, failedChecks: 2, minutes: 9 }), undefined);
  assert.equal(stuckOn(rule, { passed: false, failedChecks: 3, minutes: 0 }), "failed_checks");
  assert.equal(stuckOn(rule, { passed: false, failedChecks: 0, minutes: 10 }), "time");
  assert.equal(stuckOn(rule, { passed: false, failedChecks: 5, minutes: 30 }), "failed_checks");
  assert.equal(stuckOn(rule, { passed: true, failedChecks: 5, minutes: 30 }), undefined, "a passed step is not stuck");
  assert.equal(stuckOn({ failedChecks: 1, minutes: 2 }, { passed: false, failedChecks: 1, minutes: 0 }), "failed_checks", "the rule's own thresholds");
});

test("minutes on a step count to now, or to when the page was last seen once it is away", () => {
  const since = new Date("2026-12-06T09:00:00Z");
  assert.equal(minutesOnStep(since, new Date("2026-12-06T09:12:00Z"), new Date("2026-12-06T09:12:30Z")), 12);
  const lastSeen = new Date("2026-12-06T09:20:00Z");
  assert.equal(minutesOnStep(since, lastSeen, new Date(lastSeen.getTime() + AWAY_AFTER_MS - 1)), 22, "not away yet");
  assert.equal(minutesOnStep(since, lastSeen, new Date("2026-12-06T13:00:00Z")), 20, "away: stops at last seen");
  assert.equal(minutesOnStep(since, since, new Date("2026-12-06T08:59:00Z")), 0, "a clock behind never gives less than 0");
});

const lesson = {
  slug: "first",
  title: "Your first container",
  steps: [
    { id: "hello", title: "Say hello" },
    { id: "figlet", title: "Figlet" },
    { id: "bye", title: "Bye" },
  ],
} as unknown as Lesson;
const other = { slug: "volumes", title: "Volumes", steps: [{ id: "mount", title: "Mount" }] } as unknown as Lesson;
const lessonOf = (slug: string) => [lesson, other].find((l) => l.slug === slug);

const now = new Date("2026-12-06T10:00:00Z");
const ago = (minutes: number) => new Date(now.getTime() - minutes * 60_000);
const attempt = (learnerId: string, stepId: string, passed: boolean, origin: string, minutes: number, message = passed ? "Well done" : "Not yet") => ({
  learnerId,
  lessonSlug: "first",
  stepId,
  passed,
  origin,
  result: JSON.stringify({ passed, message, criteria: [] }),
  createdAt: ago(minutes),
});

test("the class: each student's latest lesson and step, last check, failed attempts (never automatic ones), stuck first", () => {
  const rows: ClassRows = {
    students: [
      { learnerId: "ann", email: "ann@example.com" },
      { learnerId: "bob", email: "bob@example.com" },
      { learnerId: "cat", email: "cat@example.com" },
      { learnerId: "dan", email: "dan@example.com" },
      { learnerId: "eve", email: "eve@example.com" },
    ],
    positions: [
      { learnerId: "ann", lessonSlug: "volumes", stepId: "mount", since: ago(60), seenAt: ago(50) },
      { learnerId: "ann", lessonSlug: "first", stepId: "figlet", since: ago(4), seenAt: ago(0) }, // her latest
      { learnerId: "bob", lessonSlug: "first", stepId: "hello", since: ago(2), seenAt: ago(1) },
      { learnerId: "cat", lessonSlug: "first", stepId: "hello", since: ago(25), seenAt: ago(1) },
      { learnerId: "dan", lessonSlug: "first", stepId: "bye", since: ago(40), seenAt: ago(30) }, // away, after 10 min on it
    ],
    attempts: [
      attempt("ann", "figlet", false, "asked", 3),
      attempt("ann", "figlet", false, "unknown", 2),
      attempt("ann", "figlet", false, "asked", 1, "figlet is not installed"),
      attempt("bob", "hello", false, "automatic", 1.5),
      attempt("bob", "hello", false, "automatic", 1.2),
      attempt("bob", "hello", false, "automatic", 1.1),
      attempt("bob", "hello", false, "asked", 1),
      attempt("cat", "hello", false, "asked", 20),
      attempt("cat", "hello", true, "automatic", 5),
    ],
    completions: [{ learnerId: "cat", lessonSlug: "first", stepId: "hello" }],
  };
  const status = classStatus(rows, lessonOf, rule, now);
  assert.equal(status.at, now.toISOString());
  assert.deepEqual(status.rule, rule);
  assert.deepEqual(
    status.students.map((s) => [s.email, s.position?.stuck]),
    [
      ["ann@example.com", "failed_checks"],
      ["dan@example.com", "time"],
      ["bob@example.com", undefined],
      ["cat@example.com", undefined],
      ["eve@example.com", undefined],
    ],
  );
  const [ann, dan, bob, cat, eve] = status.students;
  assert.deepEqual(ann!.position, {
    lessonSlug: "first",
    lessonTitle: "Your first container",
    stepId: "figlet",
    stepTitle: "Figlet",
    stepNumber: 2,
    steps: 3,
    since: ago(4).toISOString(),
    seenAt: now.toISOString(),
    away: false,
    minutesOnStep: 4,
    passed: false,
    failedChecks: 3,
    lastCheck: { passed: false, message: "figlet is not installed", origin: "asked", at: ago(1).toISOString() },
    stuck: "failed_checks",
  });
  assert.equal(bob!.position!.failedChecks, 1, "three automatic checks and one asked: one failed attempt");
  assert.equal(bob!.position!.lastCheck!.origin, "asked");
  assert.deepEqual([cat!.position!.passed, cat!.position!.minutesOnStep, cat!.position!.lastCheck!.passed], [true, 25, true], "25 min, but passed");
  assert.deepEqual([dan!.position!.away, dan!.position!.minutesOnStep, dan!.position!.lastCheck], [true, 10, undefined]);
  assert.equal(eve!.position, undefined, "not opened a lesson yet");
});

test("a position in a lesson or step that no longer exists reads as no position", () => {
  const rows: ClassRows = {
    students: [{ learnerId: "ann", email: "ann@example.com" }],
    positions: [{ learnerId: "ann", lessonSlug: "first", stepId: "gone", since: ago(1), seenAt: ago(0) }],
    attempts: [],
    completions: [],
  };
  assert.equal(classStatus(rows, lessonOf, rule, now).students[0]!.position, undefined);
});
