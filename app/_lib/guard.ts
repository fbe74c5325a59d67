import { forbidden, unauthorized } from "next/navigation";
import { mayTryLessons, type Decision } from "./access";
import { currentViewer } from "./session";
import { siteSettings } from "./settings";

// The access rules applied to the request being handled.

/** Whether this request's visitor may open lessons and use their labs (the admin's setting decides for visitors). */
export async function lessonsDecision(): Promise<Decision> {
  return mayTryLessons(await currentViewer(), (await siteSettings()).anonymousMayTry);
}

/** For pages: a refusal stops rendering with the sign-in page (401, app/unauthorized.tsx) or app/forbidden.tsx (403). */
export function enforce(decision: Decision): asserts decision is { allowed: true } {
  if (decision.allowed) return;
  if (decision.code === "sign_in_required") unauthorized();
  forbidden();
}
