"use server";

import crypto from "node:crypto";
import { redirect } from "next/navigation";
import { AccountError, checkCredentials, signUp } from "@/app/_lib/accounts";
import { cohortByInvite, joinCohort } from "@/app/_lib/cohorts";
import { formText, localPath, type FormState } from "@/app/_lib/forms";
import { emailProblem, normalizeEmail } from "@/app/_lib/passwords";
import { currentViewer, endAccountSession, startAccountSession } from "@/app/_lib/session";

// Sign-up, sign-in and sign-out. Both forms may carry an invite code (the visitor came from /join/<code>):
// they then land in that cohort; otherwise on `next`, a page of this site.

async function landing(learnerId: string, form: FormData): Promise<string> {
  const invite = formText(form, "invite");
  if (invite) {
    const found = await cohortByInvite(invite);
    if (!("cohort" in found)) return `/join/${encodeURIComponent(invite)}`; // that page says what is wrong with the link
    await joinCohort(found.cohort.id, learnerId);
    return `/cohorts/${found.cohort.id}`;
  }
  return localPath(formText(form, "next")) ?? "/";
}

export async function signUpAction(_state: FormState, form: FormData): Promise<FormState> {
  const email = normalizeEmail(formText(form, "email"));
  const password = String(form.get("password") ?? "");
  const viewer = await currentViewer();
  if (viewer.account) return { error: `You are signed in as ${viewer.account.email}. Sign out first to create another account.` };
  let learnerId: string;
  try {
    // The anonymous learner this browser has been becomes the account, progress and all.
    ({ id: learnerId } = await signUp(viewer.learnerId ?? crypto.randomUUID(), email, password));
  } catch (e) {
    if (!(e instanceof AccountError)) throw e;
    return { error: e.message, field: e.code === "weak_password" ? "password" : "email", values: { email } };
  }
  await startAccountSession(learnerId);
  redirect(await landing(learnerId, form));
}

export async function signInAction(_state: FormState, form: FormData): Promise<FormState> {
  const email = normalizeEmail(formText(form, "email"));
  const password = String(form.get("password") ?? "");
  const emailIssue = emailProblem(email);
  if (emailIssue) return { error: emailIssue, field: "email", values: { email } };
  if (!password) return { error: "Enter your password.", field: "password", values: { email } };
  const account = await checkCredentials(email, password);
  if (!account) return { error: "Wrong email or password. Check both and try again.", field: "password", values: { email } };
  await startAccountSession(account.id);
  redirect(await landing(account.id, form));
}

export async function signOutAction(): Promise<void> {
  await endAccountSession();
  redirect("/");
}
