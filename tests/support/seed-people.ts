import crypto from "node:crypto";
import { signUp } from "../../app/_lib/accounts";
import { addGrader, createCohort, joinCohort } from "../../app/_lib/cohorts";
import type { Role } from "../../app/_lib/access";

// Test setup (Stack.seedPeople): accounts and cohorts made through the site's own data functions, for tests
// whose subject is what people do next. The plan comes as JSON in DOCKYARD_SEED; the ids go to stdout as JSON.

export interface SeedPlan {
  accounts: { email: string; password: string; role: Role }[];
  cohorts: { name: string; instructor: string; lessons: string[]; dueAt: string; students: string[]; graders: string[] }[];
}
export interface Seeded {
  accounts: Record<string, string>;
  cohorts: Record<string, string>;
}

const plan = JSON.parse(process.env.DOCKYARD_SEED!) as SeedPlan;
const seeded: Seeded = { accounts: {}, cohorts: {} };
for (const a of plan.accounts) seeded.accounts[a.email] = (await signUp(crypto.randomUUID(), a.email, a.password, a.role)).id;
for (const c of plan.cohorts) {
  const id = await createCohort(seeded.accounts[c.instructor]!, { name: c.name, dueAt: new Date(c.dueAt), lessons: c.lessons.map((slug) => ({ slug })) });
  for (const email of c.students) await joinCohort(id, seeded.accounts[email]!);
  for (const email of c.graders) await addGrader(id, seeded.accounts[email]!);
  seeded.cohorts[c.name] = id;
}
console.log(JSON.stringify(seeded));
process.exit(0);
