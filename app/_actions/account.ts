"use server";

import crypto from "node:crypto";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { AccountError, checkCredentials, newAccountProblem, signUpOrSignIn } from "@/app/_lib/accounts";
import { formText, type FormState } from "@/app/_lib/forms";
import { landingAfterSignIn } from "@/app/_lib/landing";
import { emailProblem, normalizeEmail } from "@/app/_lib/passwords";
import { currentViewer, endAccountSession, startAccountSession } from "@/app/_lib/session";
import { accountKey, admit, attemptSucceeded, signInKey, signUpKey, type Attempt } from "@/app/_lib/throttle";
import { REFUSALS } from "@dockyard/contract";
import { clientKey, passwordSignIn } from "@dockyard/contract/server";

// Sign-up, sign-in and sign-out. Both forms may carry an invite code (the visitor came from /join/<code>):
// they then land in that cohort; otherwise on `next`, a page of this site.
//
// Both are limited (app/_lib/throttle.ts, settings in authLimits()): a few free attempts, then waits that double, and
// "Too many attempts: try again in N s" on the form; while a key waits, nothing is checked, not even a right password.
// - Sign-in counts failures per account (its email, whether or not it has an account, so the limit says nothing
//   about which emails do) and per client address (many accounts tried from one address). Signing in resets the
//   account's count and does not count for the address.
// - Sign-up counts every attempt that gets as far as the email per client address: each tells whether that email was
//   free (a new account is made) or not, so this bounds how fast anyone can learn who has an account. A refusal is
//   also a failed guess at that account's password, and counts as one on the account.
// Mistakes any visitor can see for themselves (an email that is not one, a weak password) count nowhere.

// With DOCKYARD_PASSWORD_SIGNIN=off both forms are hidden, and a post to either is refused (single sign-on only).
const PASSWORD_OFF = REFUSALS.password_signin_off.message;
const WRONG_CREDENTIALS = "Wrong email or password. Check both and try again.";
const tooMany = (seconds: number) => `Too many attempts: try again in ${seconds} s.`;
const withWait = (message: string, attempt: Attempt) => (attempt.waitIfFailedSeconds > 0 ? `${message} ${tooMany(attempt.waitIfFailedSeconds)}` : message);

const landing = (learnerId: string, form: FormData) => landingAfterSignIn(learnerId, { invite: formText(form, "invite"), next: formText(form, "next") });

const requestClient = async () => clientKey((await headers()).get("x-forwarded-for"));

export async function signUpAction(_state: FormState, form: FormData): Promise<FormState> {
  if (!passwordSignIn()) return { error: PASSWORD_OFF };
  const email = normalizeEmail(formText(form, "email"));
  const password = String(form.get("password") ?? "");
  const viewer = await currentViewer();
  if (viewer.account) return { error: `You are signed in as ${viewer.account.email}. Sign out first to create another account.` };
  const problem = newAccountProblem(email, password);
  if (problem) return { error: problem.message, field: problem.code === "weak_password" ? "password" : "email", values: { email } };
  const admission = await admit([accountKey(email), signUpKey(await requestClient())]);
  if (!admission.admitted) return { error: tooMany(admission.waitSeconds), values: { email } };
  let learnerId: string;
  try {
    // The anonymous learner this browser has been becomes the account, progress and all.
    ({ id: learnerId } = await signUpOrSignIn(viewer.learnerId ?? crypto.randomUUID(), email, password));
  } catch (e) {
    if (!(e instanceof AccountError)) throw e;
    return { error: withWait(e.message, admission.attempt), field: "email", values: { email } };
  }
  await attemptSucceeded(admission.attempt);
  await startAccountSession(learnerId);
  redirect(await landing(learnerId, form));
}

export async function signInAction(_state: FormState, form: FormData): Promise<FormState> {
  if (!passwordSignIn()) return { error: PASSWORD_OFF };
  const email = normalizeEmail(formText(form, "email"));
  const password = String(form.get("password") ?? "");
  const emailIssue = emailProblem(email);
  if (emailIssue) return { error: emailIssue, field: "email", values: { email } };
  if (!password) return { error: "Enter your password.", field: "password", values: { email } };
  const admission = await admit([accountKey(email), signInKey(await requestClient())]);
  if (!admission.admitted) return { error: tooMany(admission.waitSeconds), values: { email } };
  const account = await checkCredentials(email, password);
  if (!account) return { error: withWait(WRONG_CREDENTIALS, admission.attempt), field: "password", values: { email } };
  await attemptSucceeded(admission.attempt);
  await startAccountSession(account.id);
  redirect(await landing(account.id, form));
}

export async function signOutAction(): Promise<void> {
  await endAccountSession();
  redirect("/");
}
