import { cohortByInvite, joinCohort } from "./cohorts";
import { localPath } from "./forms";

/**
 * Where someone lands once signed in (by password or single sign-on): with an invite code (they came from
 * /join/<code>), in that cohort, joined; otherwise on `next`, a page of this site, or the home page.
 */
export async function landingAfterSignIn(learnerId: string, { invite, next }: { invite?: string; next?: string }): Promise<string> {
  if (invite) {
    const found = await cohortByInvite(invite);
    if (!("cohort" in found)) return `/join/${encodeURIComponent(invite)}`; // that page says what is wrong with the link
    await joinCohort(found.cohort.id, learnerId);
    return `/cohorts/${found.cohort.id}`;
  }
  return localPath(next) ?? "/";
}
