"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { mayCreateCohort, mayGrade, mayJoinCohort, mayManageCohort } from "@/app/_lib/access";
import { accountByEmail } from "@/app/_lib/accounts";
import { addGrader, cohortById, cohortByInvite, createCohort, joinCohort, membershipOf, renewInvite, type NewCohort } from "@/app/_lib/cohorts";
import { endOfDay } from "@/app/_lib/dates";
import { cohortLessonDueField, cohortLessonField, formText, type FormState } from "@/app/_lib/forms";
import { catalog } from "@/app/_lib/lessons";
import { emailProblem, normalizeEmail } from "@/app/_lib/passwords";
import { currentViewer } from "@/app/_lib/session";

// Creating a cohort, joining one, and what its instructor changes. Each checks the viewer again.

const COHORT_NAME_MAX = 100;

/** A due day from the form (`label` names it in messages), or the error for its field. */
function dueDay(value: string, field: string, label: string, today: string): { dueAt: Date } | { error: string; field: string } {
  const dueAt = endOfDay(value);
  if (!dueAt) return { error: `${label} is not a date: choose a day (YYYY-MM-DD).`, field };
  if (value < today) return { error: `${label} has passed: choose today or a later day.`, field };
  return { dueAt };
}

export async function createCohortAction(_state: FormState, form: FormData): Promise<FormState> {
  const viewer = await currentViewer();
  const decision = mayCreateCohort(viewer);
  if (!decision.allowed) return { error: decision.message };
  const values = Object.fromEntries([...form.entries()].filter((e): e is [string, string] => typeof e[1] === "string"));
  const today = new Date().toISOString().slice(0, 10);
  const name = formText(form, "name");
  if (!name) return { error: "Give the cohort a name.", field: "name", values };
  if (name.length > COHORT_NAME_MAX) return { error: `Give the cohort a name of at most ${COHORT_NAME_MAX} characters.`, field: "name", values };
  const dueOn = formText(form, "dueOn");
  if (!dueOn) return { error: "Choose the day the cohort's lessons are due.", field: "dueOn", values };
  const due = dueDay(dueOn, "dueOn", "The due date", today);
  if ("error" in due) return { ...due, values };
  const plan: NewCohort = { name, dueAt: due.dueAt, lessons: [] };
  for (const lesson of catalog().lessons.filter((l) => form.get(cohortLessonField(l.slug)) === "on")) {
    const own = formText(form, cohortLessonDueField(lesson.slug));
    if (!own) {
      plan.lessons.push({ slug: lesson.slug });
      continue;
    }
    const lessonDue = dueDay(own, cohortLessonDueField(lesson.slug), `The due date of “${lesson.title}”`, today);
    if ("error" in lessonDue) return { ...lessonDue, values };
    plan.lessons.push({ slug: lesson.slug, dueAt: lessonDue.dueAt });
  }
  if (plan.lessons.length === 0) return { error: "Choose at least one lesson for the cohort.", values };
  const id = await createCohort(viewer.account!.id, plan);
  redirect(`/cohorts/${id}`);
}

/** The cohort a form names, if the viewer manages it; else the error to show. */
async function managedCohort(form: FormData) {
  const cohort = await cohortById(formText(form, "cohortId"));
  if (!cohort) return { error: "There is no such cohort." };
  const viewer = await currentViewer();
  const decision = mayManageCohort(viewer, { instructorId: cohort.instructorId, membership: await membershipOf(cohort.id, viewer.learnerId) });
  return decision.allowed ? { cohort } : { error: decision.message };
}

export async function addGraderAction(_state: FormState, form: FormData): Promise<FormState> {
  const managed = await managedCohort(form);
  if ("error" in managed) return managed;
  const { cohort } = managed;
  const email = normalizeEmail(formText(form, "email"));
  const values = { email };
  const emailIssue = emailProblem(email);
  if (emailIssue) return { error: emailIssue, field: "email", values };
  const grader = await accountByEmail(email);
  if (!grader) return { error: `No account uses ${email}. Ask them to create one, then add them here.`, field: "email", values };
  if (grader.id === cohort.instructorId) return { error: `${email} teaches this cohort already.`, field: "email", values };
  if (!mayGrade(grader)) return { error: `${email} is a ${grader.role} account: an admin must make it a grader first.`, field: "email", values };
  await addGrader(cohort.id, grader.id);
  revalidatePath(`/cohorts/${cohort.id}`);
  return { notice: `${email} now grades this cohort.` };
}

export async function renewInviteAction(_state: FormState, form: FormData): Promise<FormState> {
  const managed = await managedCohort(form);
  if ("error" in managed) return managed;
  await renewInvite(managed.cohort.id);
  revalidatePath(`/cohorts/${managed.cohort.id}`);
  return { notice: "This is a new invite link: the old one no longer works." };
}

export async function joinCohortAction(_state: FormState, form: FormData): Promise<FormState> {
  const viewer = await currentViewer();
  const decision = mayJoinCohort(viewer);
  if (!decision.allowed) return { error: decision.message };
  const found = await cohortByInvite(formText(form, "invite"));
  if (!("cohort" in found)) return { error: found.problem === "expired" ? "This invite link has expired." : "This invite link is not valid." };
  await joinCohort(found.cohort.id, viewer.account!.id);
  redirect(`/cohorts/${found.cohort.id}`);
}
