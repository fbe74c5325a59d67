"use server";

import { revalidatePath } from "next/cache";
import { Refusal } from "@dockyard/contract";
import { mayAdminister } from "@/app/_lib/access";
import { formText, type FormState } from "@/app/_lib/forms";
import { addPlatform, removePlatform } from "@/app/_lib/lti/platforms";
import { currentViewer } from "@/app/_lib/session";

// The LTI platforms admin page's changes (app/admin/lti): add a platform from the values its LMS shows, remove one.

const FIELDS = ["name", "issuer", "clientId", "deploymentIds", "authLoginUrl", "authTokenUrl", "jwksUrl"] as const;

export async function addPlatformAction(_state: FormState, form: FormData): Promise<FormState> {
  const decision = mayAdminister(await currentViewer());
  if (!decision.allowed) return { error: decision.message };
  const values = Object.fromEntries(FIELDS.map((f) => [f, formText(form, f)])) as Record<(typeof FIELDS)[number], string>;
  try {
    await addPlatform({ ...values, deploymentIds: values.deploymentIds.split(/[\s,]+/).filter(Boolean) });
  } catch (e) {
    if (e instanceof Refusal) return { error: e.message, values };
    throw e;
  }
  revalidatePath("/admin/lti");
  return { notice: `Added ${values.name}: its courses can now launch Dockyard.` };
}

export async function removePlatformAction(_state: FormState, form: FormData): Promise<FormState> {
  const decision = mayAdminister(await currentViewer());
  if (!decision.allowed) return { error: decision.message };
  await removePlatform(formText(form, "id"));
  revalidatePath("/admin/lti");
  return { notice: "Removed. Its courses' cohorts stay; their links to the LMS are gone." };
}
