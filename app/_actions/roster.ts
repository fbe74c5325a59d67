"use server";

import { revalidatePath } from "next/cache";
import { mayManageCohort } from "@/app/_lib/access";
import { cohortById, membershipOf } from "@/app/_lib/cohorts";
import { formText, type FormState } from "@/app/_lib/forms";
import { rosterSummary, syncRoster } from "@/app/_lib/lti/roster";
import { LtiServiceError } from "@/app/_lib/lti/services";
import { currentViewer } from "@/app/_lib/session";

// "Sync roster" on an LMS cohort's page: its instructor (or an admin) fills the cohort from the LMS's roster now.

export async function syncRosterAction(_state: FormState, form: FormData): Promise<FormState> {
  const cohort = await cohortById(formText(form, "cohortId"));
  if (!cohort) return { error: "There is no such cohort." };
  const viewer = await currentViewer();
  const decision = mayManageCohort(viewer, { instructorId: cohort.instructorId, membership: await membershipOf(cohort.id, viewer.learnerId) });
  if (!decision.allowed) return { error: decision.message };
  try {
    const notice = rosterSummary(await syncRoster(cohort.id));
    revalidatePath(`/cohorts/${cohort.id}`);
    return { notice };
  } catch (e) {
    if (e instanceof LtiServiceError) return { error: e.message };
    throw e;
  }
}
