import crypto from "node:crypto";
import { accountByEmail, signUp } from "../../app/_lib/accounts";
import { addGrader, createCohort, joinCohort } from "../../app/_lib/cohorts";
import { lessonBySlug } from "../../app/_lib/lessons";
import { recordAttempt } from "../../app/_lib/progress";
import { recordPosition } from "../../app/_lib/positions";
import { isGraded } from "@dockyard/contract/server";
import type { Role } from "../../app/_lib/access";

// Test setup (Stack.seedPeople): accounts, cohorts and work done, made through the site's own data functions, for
// tests whose subject is what people do next. The plan comes as JSON in DOCKYARD_SEED; the ids go to stdout as JSON.

export interface SeedPlan {
  accounts: { email: string; password: string; role: Role }[];
  /** A lesson is its slug, or its slug with a due date of its own. */
  cohorts: { name: string; instructor: string; lessons: (string | { slug: string; dueAt: string })[]; dueAt: string; students: string[]; graders: string[] }[];
  /** A learner passed the first `passedSteps` graded steps of a lesson (asked checks), then the page checked the next one `automatic` times. */
  work?: { email: string; lesson: string; passedSteps: number; automatic?: number }[];
  /** A learner's lesson page reported this step since `minutesAgo`, and they failed `failedChecks` asked checks of it. */
  positions?: { email: string; lesson: string; step: string; minutesAgo: number; failedChecks?: number }[];
}
export interface Seeded {
  accounts: Record<string, string>;
  cohorts: Record<string, string>;
}

const plan = JSON.parse(process.env.DOCKYARD_SEED!) as SeedPlan;
const seeded: Seeded = { accounts: {}, cohorts: {} };
for (const a of plan.accounts) seeded.accounts[a.email] = (await signUp(crypto.randomUUID(), a.email, a.password, a.role)).id;
/** An account of this plan, or one an earlier plan made. */
const idOf = async (email: string) => seeded.accounts[email] ?? (await accountByEmail(email))?.id ?? Promise.reject(new Error(`no account ${email}`));
for (const c of plan.cohorts) {
  const lessons = c.lessons.map((l) => (typeof l === "string" ? { slug: l } : { slug: l.slug, dueAt: new Date(l.dueAt) }));
  const id = await createCohort(await idOf(c.instructor), { name: c.name, dueAt: new Date(c.dueAt), lessons });
  for (const email of c.students) await joinCohort(id, await idOf(email));
  for (const email of c.graders) await addGrader(id, await idOf(email));
  seeded.cohorts[c.name] = id;
}
for (const w of plan.work ?? []) {
  const found = lessonBySlug(w.lesson);
  if (!found || !("lesson" in found)) throw new Error(`no lesson ${w.lesson}`);
  const graded = found.lesson.steps.filter(isGraded);
  const learner = await idOf(w.email);
  for (const step of graded.slice(0, w.passedSteps))
    await recordAttempt(learner, w.lesson, step.id, { passed: true, message: "Well done", criteria: [] }, "asked");
  const next = graded[w.passedSteps];
  for (let i = 0; next && i < (w.automatic ?? 0); i++)
    await recordAttempt(learner, w.lesson, next.id, { passed: false, message: "Not yet", criteria: [] }, "automatic");
}
for (const p of plan.positions ?? []) {
  const learner = await idOf(p.email);
  await recordPosition(learner, p.lesson, p.step, new Date(Date.now() - p.minutesAgo * 60_000));
  await recordPosition(learner, p.lesson, p.step); // and is still there
  for (let i = 0; i < (p.failedChecks ?? 0); i++)
    await recordAttempt(learner, p.lesson, p.step, { passed: false, message: "Not yet: no container ran that image", criteria: [] }, "asked");
}
console.log(JSON.stringify(seeded));
process.exit(0);
