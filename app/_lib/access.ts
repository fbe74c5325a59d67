import { REFUSALS } from "@dockyard/contract";

// Who may do what: pure rules over who is asking (a Viewer) and the facts of what they ask about. Every page,
// server action and API route asks these, and refuses with the decision's code (its status is the REFUSALS
// table's) and message.

export const ROLES = ["student", "instructor", "grader", "admin"] as const;
export type Role = (typeof ROLES)[number];
export const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);

export interface Account {
  id: string;
  email: string;
  role: Role;
}

/** Who is asking: an account, an anonymous learner (learnerId only), or a visitor whose session has not started. */
export interface Viewer {
  learnerId?: string;
  account?: Account;
}

/** Refusals say what to do: sign_in_required (401) means "sign in", forbidden (403) "this account may not". */
type AccessRefusal = "sign_in_required" | "forbidden";
export type Decision = { allowed: true } | { allowed: false; code: AccessRefusal; status: number; message: string };

const ALLOWED: Decision = { allowed: true };
const refuse = (code: AccessRefusal, message: string): Decision => ({ allowed: false, code, status: REFUSALS[code].status, message });
const signInFirst = (message: string) => refuse("sign_in_required", message);
const refused = (message: string) => refuse("forbidden", message);

/** What the rules need to know of a cohort: who teaches it and the viewer's place in it, if any. */
export interface CohortFacts {
  instructorId: string;
  membership?: "student" | "grader";
}

const isAdmin = (viewer: Viewer) => viewer.account?.role === "admin";
const teaches = (viewer: Viewer, cohort: CohortFacts) => viewer.account?.role === "instructor" && viewer.account.id === cohort.instructorId;

export function mayTryLessons(viewer: Viewer, anonymousMayTry: boolean): Decision {
  if (viewer.account || anonymousMayTry) return ALLOWED;
  return signInFirst("Sign in to use the lessons and their labs: this site does not let visitors try them without an account.");
}

/** The list of one's own cohorts. */
export function mayListCohorts(viewer: Viewer): Decision {
  return viewer.account ? ALLOWED : signInFirst("Sign in to see your cohorts.");
}

export function mayCreateCohort(viewer: Viewer): Decision {
  if (!viewer.account) return signInFirst("Sign in as an instructor to create a cohort.");
  if (viewer.account.role === "instructor" || isAdmin(viewer)) return ALLOWED;
  return refused("Only instructors and admins create cohorts. Ask an admin to make your account an instructor.");
}

/** The admin page: everyone's roles and the site's settings. */
export function mayAdminister(viewer: Viewer): Decision {
  if (!viewer.account) return signInFirst("Sign in as an admin to manage users and settings.");
  if (isAdmin(viewer)) return ALLOWED;
  return refused("Only admins manage users and the site's settings.");
}

/** A role change; `admins` is how many admins there are now, so the last one cannot be removed. */
export function mayChangeRole(viewer: Viewer, target: { role: Role }, newRole: Role, admins: number): Decision {
  const administer = mayAdminister(viewer);
  if (!administer.allowed) return administer;
  if (target.role === "admin" && newRole !== "admin" && admins <= 1) return refused("This is the only admin: make another account an admin first.");
  return ALLOWED;
}

/** The cohort's invite link, its graders, its roster: its own instructor and admins. */
export function mayManageCohort(viewer: Viewer, cohort: CohortFacts): Decision {
  if (!viewer.account) return signInFirst("Sign in to manage this cohort.");
  if (teaches(viewer, cohort) || isAdmin(viewer)) return ALLOWED;
  return refused("Only this cohort's instructor and admins manage it.");
}

/** Who is in the cohort (other learners' data): those who manage it and its graders, never its students. */
export function maySeeRoster(viewer: Viewer, cohort: CohortFacts): Decision {
  if (!viewer.account) return signInFirst("Sign in to see who is in this cohort.");
  if (cohort.membership === "grader" || mayManageCohort(viewer, cohort).allowed) return ALLOWED;
  return refused("Only this cohort's instructor, graders and admins see who is in it.");
}

/** The cohort's page: its lessons and due dates. */
export function mayViewCohort(viewer: Viewer, cohort: CohortFacts): Decision {
  if (!viewer.account) return signInFirst("Sign in to see your cohort.");
  if (cohort.membership || mayManageCohort(viewer, cohort).allowed) return ALLOWED;
  return refused("This cohort's page is for its members: join it with the invite link your instructor gave you.");
}

/** The cohort's grades: the matrix, each student's evidence, the exports. Its graders, its instructor, admins. */
export function mayGradeCohort(viewer: Viewer, cohort: CohortFacts): Decision {
  if (!viewer.account) return signInFirst("Sign in as a grader of this cohort to see its grades.");
  if (cohort.membership === "grader" || mayManageCohort(viewer, cohort).allowed) return ALLOWED;
  return refused("Only this cohort's graders, its instructor and admins see its grades.");
}

/** The class view: where each student is now, who is stuck, their live terminals. Its instructor and admins. */
export function mayWatchClass(viewer: Viewer, cohort: CohortFacts): Decision {
  if (!viewer.account) return signInFirst("Sign in as this cohort's instructor to see its class.");
  if (teaches(viewer, cohort) || isAdmin(viewer)) return ALLOWED;
  return refused("Only this cohort's instructor and admins see its class live.");
}

/**
 * One student's work in a cohort: their evidence, their recordings and a live view of their terminal. Those who
 * grade the cohort, for its students and its lessons only: what the student does elsewhere stays theirs.
 */
export function mayReviewStudent(viewer: Viewer, cohort: CohortFacts, student: { membership?: "student" | "grader" }, lessonInCohort = true): Decision {
  const grade = mayGradeCohort(viewer, cohort);
  if (!grade.allowed) return grade;
  if (student.membership !== "student") return refused("That account is not a student of this cohort.");
  if (!lessonInCohort) return refused("That lesson is not one of this cohort's lessons.");
  return ALLOWED;
}

/**
 * Webhook endpoints and their deliveries: the site's own (no cohort) are admins'; a cohort's, its own instructor's and
 * admins' (its graders do not: an endpoint receives every student's progress).
 */
export function mayManageWebhooks(viewer: Viewer, cohort?: CohortFacts): Decision {
  if (!viewer.account) return signInFirst("Sign in to manage webhooks.");
  if (isAdmin(viewer)) return ALLOWED;
  if (!cohort) return refused("Only admins manage the site's webhooks; an instructor adds a cohort's on the cohort's page.");
  if (teaches(viewer, cohort)) return ALLOWED;
  return refused("Only this cohort's instructor and admins manage its webhooks.");
}

export function mayJoinCohort(viewer: Viewer): Decision {
  if (viewer.account) return ALLOWED;
  return signInFirst("Create an account or sign in to join this cohort.");
}

/** Whether an account can be made a grader of a cohort: graders and instructors grade; students do not. */
export const mayGrade = (account: { role: Role }) => account.role === "grader" || account.role === "instructor";
