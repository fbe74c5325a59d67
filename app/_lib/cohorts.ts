import crypto from "node:crypto";
import { db } from "./db";
import type { Account } from "./access";

// Cohorts: an instructor's group of students, the lessons chosen for it with their due dates, its invite link,
// and its members (students who joined by the link, graders the instructor added).

export const INVITE_DAYS = 30;
export type Membership = "student" | "grader";

export interface NewCohort {
  name: string;
  dueAt: Date;
  /** Catalog lessons, each optionally due on a day of its own. */
  lessons: { slug: string; dueAt?: Date }[];
}

export interface Cohort {
  id: string;
  name: string;
  instructorId: string;
  dueAt: Date;
  inviteCode: string;
  inviteExpiresAt: Date;
  /** Each lesson with the day it is due (its own, else the cohort's). */
  lessons: { slug: string; dueAt: Date }[];
}

// 144 random bits: an invite link cannot be guessed, only given.
const newInviteCode = () => crypto.randomBytes(18).toString("base64url");
const inviteExpiry = (now: Date) => new Date(now.getTime() + INVITE_DAYS * 86_400_000);

export async function createCohort(instructorId: string, plan: NewCohort, now = new Date()): Promise<string> {
  const id = crypto.randomUUID();
  await db.cohort.create({
    data: {
      id,
      name: plan.name,
      instructorId,
      dueAt: plan.dueAt,
      inviteCode: newInviteCode(),
      inviteExpiresAt: inviteExpiry(now),
      lessons: { create: plan.lessons.map((l) => ({ lessonSlug: l.slug, dueAt: l.dueAt ?? null })) },
    },
  });
  return id;
}

type CohortRow = Omit<Cohort, "lessons"> & { lessons: { lessonSlug: string; dueAt: Date | null }[] };

const withDueDates = ({ lessons, ...cohort }: CohortRow): Cohort => ({
  ...cohort,
  lessons: lessons.map((l) => ({ slug: l.lessonSlug, dueAt: l.dueAt ?? cohort.dueAt })),
});

const COHORT_FIELDS = {
  id: true,
  name: true,
  instructorId: true,
  dueAt: true,
  inviteCode: true,
  inviteExpiresAt: true,
  lessons: { select: { lessonSlug: true, dueAt: true } },
} as const;

export async function cohortById(id: string): Promise<Cohort | undefined> {
  const row = await db.cohort.findUnique({ where: { id }, select: COHORT_FIELDS });
  return row ? withDueDates(row) : undefined;
}

export async function membershipOf(cohortId: string, learnerId: string | undefined): Promise<Membership | undefined> {
  if (!learnerId) return undefined;
  const member = await db.cohortMember.findUnique({ where: { cohortId_learnerId: { cohortId, learnerId } }, select: { role: true } });
  return member?.role === "grader" || member?.role === "student" ? member.role : undefined;
}

export type InviteLookup = { cohort: Cohort } | { problem: "unknown" | "expired" };

export async function cohortByInvite(code: string, now = new Date()): Promise<InviteLookup> {
  const row = await db.cohort.findUnique({ where: { inviteCode: code }, select: COHORT_FIELDS });
  if (!row) return { problem: "unknown" };
  if (row.inviteExpiresAt <= now) return { problem: "expired" };
  return { cohort: withDueDates(row) };
}

/** The learner joins as a student; someone already in the cohort (a grader, say) keeps their place. */
export async function joinCohort(cohortId: string, learnerId: string): Promise<void> {
  await db.cohortMember.upsert({
    where: { cohortId_learnerId: { cohortId, learnerId } },
    create: { cohortId, learnerId, role: "student" },
    update: {},
  });
}

export async function addGrader(cohortId: string, learnerId: string): Promise<void> {
  await db.cohortMember.upsert({
    where: { cohortId_learnerId: { cohortId, learnerId } },
    create: { cohortId, learnerId, role: "grader" },
    update: { role: "grader" },
  });
}

/** A new invite link for the cohort; the old one stops working. */
export async function renewInvite(cohortId: string, now = new Date()): Promise<void> {
  await db.cohort.update({ where: { id: cohortId }, data: { inviteCode: newInviteCode(), inviteExpiresAt: inviteExpiry(now) } });
}

export interface CohortSummary {
  id: string;
  name: string;
  dueAt: Date;
  lessons: number;
  students: number;
  graders: number;
}

/** The cohorts an account manages (an admin: all of them), with how many are in each. */
export async function cohortsManagedBy(account: Account): Promise<CohortSummary[]> {
  const rows = await db.cohort.findMany({
    where: account.role === "admin" ? {} : { instructorId: account.id },
    orderBy: { createdAt: "asc" },
    select: { id: true, name: true, dueAt: true, _count: { select: { lessons: true } }, members: { select: { role: true } } },
  });
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    dueAt: row.dueAt,
    lessons: row._count.lessons,
    students: row.members.filter((m) => m.role === "student").length,
    graders: row.members.filter((m) => m.role === "grader").length,
  }));
}

/** The cohorts a learner is in, with their lessons and due dates. */
export async function cohortsOfMember(learnerId: string | undefined): Promise<(Cohort & { membership: Membership })[]> {
  if (!learnerId) return [];
  const rows = await db.cohortMember.findMany({
    where: { learnerId },
    orderBy: { joinedAt: "asc" },
    select: { role: true, cohort: { select: COHORT_FIELDS } },
  });
  return rows.map((row) => ({ ...withDueDates(row.cohort), membership: row.role === "grader" ? "grader" : "student" }));
}

/** Who is in the cohort: for those who may see it (access.maySeeRoster). */
export async function roster(cohortId: string): Promise<{ learnerId: string; email: string; membership: Membership; joinedAt: Date }[]> {
  const rows = await db.cohortMember.findMany({
    where: { cohortId },
    orderBy: [{ role: "asc" }, { joinedAt: "asc" }],
    select: { learnerId: true, role: true, joinedAt: true, learner: { select: { email: true } } },
  });
  return rows.map((row) => ({
    learnerId: row.learnerId,
    email: row.learner.email ?? "",
    membership: row.role === "grader" ? "grader" : "student",
    joinedAt: row.joinedAt,
  }));
}
