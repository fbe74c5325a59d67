import { test } from "node:test";
import assert from "node:assert/strict";
import {
  mayAdminister,
  mayChangeRole,
  mayCreateCohort,
  mayGrade,
  mayGradeCohort,
  mayJoinCohort,
  mayListCohorts,
  mayManageCohort,
  mayManageWebhooks,
  mayReviewStudent,
  maySeeRoster,
  mayTryLessons,
  mayViewCohort,
  mayWatchClass,
  type Decision,
  type Role,
  type Viewer,
} from "../../app/_lib/access";

// The access rules, one viewer of each kind against each rule.

const as = (role: Role, id = `${role}-1`): Viewer => ({ learnerId: id, account: { id, email: `${id}@example.com`, role } });
const anonymous: Viewer = { learnerId: "anon-1" };
const noSession: Viewer = {};

const status = (d: Decision) => (d.allowed ? "allowed" : d.status);

/** A cohort taught by instructor-1, with the viewer's membership, if any. */
const cohort = (membership?: "student" | "grader") => ({ instructorId: "instructor-1", membership });

test("visitors try lessons only while the admin allows it; accounts always may", () => {
  assert.equal(status(mayTryLessons(anonymous, true)), "allowed");
  assert.equal(status(mayTryLessons(noSession, true)), "allowed");
  const refused = mayTryLessons(anonymous, false);
  assert.equal(status(refused), 401);
  assert.match((refused as { message: string }).message, /Sign in/);
  for (const role of ["student", "instructor", "grader", "admin"] as const) assert.equal(status(mayTryLessons(as(role), false)), "allowed", role);
});

test("only instructors and admins create cohorts; visitors are asked to sign in", () => {
  assert.equal(status(mayCreateCohort(as("instructor"))), "allowed");
  assert.equal(status(mayCreateCohort(as("admin"))), "allowed");
  assert.equal(status(mayCreateCohort(as("student"))), 403);
  assert.equal(status(mayCreateCohort(as("grader"))), 403);
  assert.equal(status(mayCreateCohort(anonymous)), 401);
  assert.match((mayCreateCohort(as("student")) as { message: string }).message, /Only instructors and admins/);
});

test("only admins administer and change roles; the last admin stays an admin", () => {
  assert.equal(status(mayAdminister(as("admin"))), "allowed");
  for (const role of ["student", "instructor", "grader"] as const) assert.equal(status(mayAdminister(as(role))), 403, role);
  assert.equal(status(mayAdminister(anonymous)), 401);

  assert.equal(status(mayChangeRole(as("admin"), { role: "student" }, "instructor", 1)), "allowed");
  assert.equal(status(mayChangeRole(as("instructor"), { role: "student" }, "instructor", 1)), 403);
  assert.equal(status(mayChangeRole(as("admin"), { role: "admin" }, "student", 1)), 403, "the only admin");
  assert.equal(status(mayChangeRole(as("admin"), { role: "admin" }, "student", 2)), "allowed");
  assert.equal(status(mayChangeRole(as("admin"), { role: "admin" }, "admin", 1)), "allowed", "no change");
});

test("a cohort is managed by its own instructor and admins, never by another instructor or its members", () => {
  assert.equal(status(mayManageCohort(as("instructor"), cohort())), "allowed");
  assert.equal(status(mayManageCohort(as("admin"), cohort())), "allowed");
  assert.equal(status(mayManageCohort(as("instructor", "instructor-2"), cohort())), 403);
  assert.equal(status(mayManageCohort(as("grader"), cohort("grader"))), 403);
  assert.equal(status(mayManageCohort(as("student"), cohort("student"))), 403);
  assert.equal(status(mayManageCohort(anonymous, cohort())), 401);
  // Demoted, the instructor who made the cohort no longer manages it.
  assert.equal(status(mayManageCohort(as("student", "instructor-1"), cohort())), 403);
});

test("the class view is for the cohort's own instructor and admins: not its graders, students or another instructor", () => {
  assert.equal(status(mayWatchClass(as("instructor"), cohort())), "allowed");
  assert.equal(status(mayWatchClass(as("admin"), cohort())), "allowed");
  assert.equal(status(mayWatchClass(as("instructor", "instructor-2"), cohort())), 403);
  assert.equal(status(mayWatchClass(as("grader"), cohort("grader"))), 403);
  assert.equal(status(mayWatchClass(as("student"), cohort("student"))), 403);
  assert.equal(status(mayWatchClass(anonymous, cohort())), 401);
  assert.match((mayWatchClass(as("grader"), cohort("grader")) as { message: string }).message, /instructor and admins/);
});

test("students never see who else is in their cohort; its graders, instructor and admins do", () => {
  assert.equal(status(maySeeRoster(as("student"), cohort("student"))), 403);
  assert.equal(status(maySeeRoster(as("grader"), cohort("grader"))), "allowed");
  assert.equal(status(maySeeRoster(as("grader"), cohort())), 403, "a grader of another cohort");
  assert.equal(status(maySeeRoster(as("instructor"), cohort())), "allowed");
  assert.equal(status(maySeeRoster(as("admin"), cohort())), "allowed");
  assert.equal(status(maySeeRoster(noSession, cohort())), 401);
});

test("a cohort's page is for its members and managers; another cohort's is refused", () => {
  assert.equal(status(mayViewCohort(as("student"), cohort("student"))), "allowed");
  assert.equal(status(mayViewCohort(as("grader"), cohort("grader"))), "allowed");
  assert.equal(status(mayViewCohort(as("student"), cohort())), 403);
  assert.equal(status(mayViewCohort(as("instructor", "instructor-2"), cohort())), 403);
  assert.equal(status(mayViewCohort(as("admin"), cohort())), "allowed");
  assert.equal(status(mayViewCohort(anonymous, cohort())), 401);
});

test("joining and listing cohorts need an account; graders are graders or instructors", () => {
  assert.equal(status(mayJoinCohort(as("student"))), "allowed");
  assert.equal(status(mayJoinCohort(anonymous)), 401);
  assert.equal(status(mayListCohorts(as("student"))), "allowed");
  assert.equal(status(mayListCohorts(noSession)), 401);
  assert.deepEqual(
    (["student", "instructor", "grader", "admin"] as const).filter((role) => mayGrade({ role })),
    ["instructor", "grader"],
  );
});

test("a cohort's grades are for its graders, its instructor and admins; never its students, another cohort's grader or instructor", () => {
  assert.equal(status(mayGradeCohort(as("grader"), cohort("grader"))), "allowed");
  assert.equal(status(mayGradeCohort(as("instructor"), cohort())), "allowed");
  assert.equal(status(mayGradeCohort(as("admin"), cohort())), "allowed");
  assert.equal(status(mayGradeCohort(as("student"), cohort("student"))), 403);
  assert.equal(status(mayGradeCohort(as("grader"), cohort())), 403, "a grader of another cohort");
  assert.equal(status(mayGradeCohort(as("instructor", "instructor-2"), cohort())), 403, "another cohort's instructor");
  assert.equal(status(mayGradeCohort(anonymous, cohort())), 401);
  assert.equal(status(mayGradeCohort(noSession, cohort())), 401);
});

test("a student's work is reviewed by those who grade the cohort, for its students and its lessons only", () => {
  const grader = as("grader");
  assert.equal(status(mayReviewStudent(grader, cohort("grader"), { membership: "student" })), "allowed");
  assert.equal(status(mayReviewStudent(as("admin"), cohort(), { membership: "student" })), "allowed");
  const notStudent = mayReviewStudent(grader, cohort("grader"), { membership: "grader" });
  assert.equal(status(notStudent), 403);
  assert.match((notStudent as { message: string }).message, /not a student of this cohort/);
  assert.equal(status(mayReviewStudent(grader, cohort("grader"), {})), 403, "someone outside the cohort");
  const otherLesson = mayReviewStudent(grader, cohort("grader"), { membership: "student" }, false);
  assert.match((otherLesson as { message: string }).message, /not one of this cohort's lessons/);
  assert.equal(status(mayReviewStudent(as("student", "student-2"), cohort("student"), { membership: "student" })), 403, "a classmate");
  assert.equal(status(mayReviewStudent(anonymous, cohort(), { membership: "student" })), 401);
});

test("the site's webhooks are admins'; a cohort's are its own instructor's and admins', never its graders', students' or another instructor's", () => {
  assert.equal(status(mayManageWebhooks(noSession)), 401);
  assert.equal(status(mayManageWebhooks(anonymous, cohort())), 401);
  assert.equal(status(mayManageWebhooks(as("admin"))), "allowed");
  for (const role of ["student", "grader", "instructor"] as const) assert.equal(status(mayManageWebhooks(as(role))), 403, role);
  assert.equal(status(mayManageWebhooks(as("admin"), cohort())), "allowed");
  assert.equal(status(mayManageWebhooks(as("instructor"), cohort())), "allowed");
  assert.equal(status(mayManageWebhooks(as("instructor", "instructor-2"), cohort())), 403);
  assert.equal(status(mayManageWebhooks(as("grader"), cohort("grader"))), 403);
  assert.equal(status(mayManageWebhooks(as("student"), cohort("student"))), 403);
});
