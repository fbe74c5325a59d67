"use server";

import { revalidatePath } from "next/cache";
import { isRole, mayAdminister, mayChangeRole, ROLES } from "@/app/_lib/access";
import { accountById, countAdmins, setRole } from "@/app/_lib/accounts";
import { formText, type FormState } from "@/app/_lib/forms";
import { currentViewer } from "@/app/_lib/session";
import { parseEmbedOrigins } from "@/app/_lib/embedOrigins";
import { setAnonymousMayTry, setEmbedOrigins } from "@/app/_lib/settings";

// The admin page's changes: an account's role, and the site's settings. Each checks the viewer again.

export async function setRoleAction(_state: FormState, form: FormData): Promise<FormState> {
  const role = formText(form, "role");
  if (!isRole(role)) return { error: `Choose one of the roles: ${ROLES.join(", ")}.` };
  const target = await accountById(formText(form, "learnerId"));
  if (!target) return { error: "There is no such account." };
  const decision = mayChangeRole(await currentViewer(), target, role, await countAdmins());
  if (!decision.allowed) return { error: decision.message };
  await setRole(target.id, role);
  revalidatePath("/admin");
  return { notice: `${target.email} is now ${role === "admin" || role === "instructor" ? "an" : "a"} ${role}.` };
}

export async function saveSettingsAction(_state: FormState, form: FormData): Promise<FormState> {
  const decision = mayAdminister(await currentViewer());
  if (!decision.allowed) return { error: decision.message };
  const anonymousMayTry = form.get("anonymousMayTry") === "on";
  await setAnonymousMayTry(anonymousMayTry);
  revalidatePath("/admin");
  return {
    notice: anonymousMayTry ? "Saved: visitors may try the lessons without an account." : "Saved: visitors must sign in to open lessons and use labs.",
  };
}

/** The sites whose pages may embed lessons (app/_lib/embedOrigins.ts); saved only when every one of them is an origin. */
export async function saveEmbedOriginsAction(_state: FormState, form: FormData): Promise<FormState> {
  const decision = mayAdminister(await currentViewer());
  if (!decision.allowed) return { error: decision.message };
  const typed = formText(form, "embedOrigins");
  const parsed = parseEmbedOrigins(typed);
  if ("error" in parsed) return { error: parsed.error, field: "embedOrigins", values: { embedOrigins: typed } };
  await setEmbedOrigins(parsed.origins);
  revalidatePath("/admin");
  const listed = parsed.origins.join(" ");
  return {
    notice: listed ? `Saved: lessons may be embedded by ${listed}.` : "Saved: no site but the registered LMSes may embed lessons.",
    values: { embedOrigins: listed },
  };
}
