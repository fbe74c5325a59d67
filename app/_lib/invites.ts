import { cohortByInvite } from "./cohorts";

// What the sign-in and sign-up pages say about the invite link a visitor came from.

export const INVITE_PROBLEMS = {
  unknown: "This invite link is not valid: check that you copied all of it, or ask your instructor for the link again.",
  expired: "This invite link has expired: ask your instructor for a new one.",
};

/** The cohort an invite code opens (its name, for the page), or what is wrong with the code. */
export async function describeInvite(code: string | undefined): Promise<{ cohortName: string } | { problem: string } | undefined> {
  if (!code) return undefined;
  const found = await cohortByInvite(code);
  return "cohort" in found ? { cohortName: found.cohort.name } : { problem: INVITE_PROBLEMS[found.problem] };
}
