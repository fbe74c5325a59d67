"use server";

import { revalidatePath } from "next/cache";
import { formText, type FormState } from "@/app/_lib/forms";
import { outboundUrlRefusal } from "@/app/_lib/outboundUrl";
import { currentViewer } from "@/app/_lib/session";
import {
  createEndpoint,
  deleteEndpoint,
  deliveryEndpoint,
  endpointById,
  queueTestEvent,
  retryDelivery,
  setDisabled,
  webhooksDecision,
  type Endpoint,
} from "@/app/_lib/webhooks/endpoints";
import { EVENT_TYPES } from "@/app/_lib/webhooks/events";

// The webhook pages' changes (app/admin/webhooks, a cohort's page, a delivery log): adding an endpoint, disabling,
// deleting, a test event, retrying a delivery. Each checks the viewer again.

const URL_MAX = 2000;
const DESCRIPTION_MAX = 200;

/** Where the endpoints of a scope are listed, to show its change. */
const pagesOf = (cohortId: string | null) => {
  revalidatePath("/admin/webhooks");
  if (cohortId) revalidatePath(`/cohorts/${cohortId}`);
};

/** The endpoint a form names, if the viewer manages it; else the error to show. */
async function managedEndpoint(id: string): Promise<{ endpoint: Endpoint } | { error: string }> {
  const endpoint = await endpointById(id);
  if (!endpoint) return { error: "That endpoint no longer exists." };
  const decision = await webhooksDecision(await currentViewer(), endpoint.cohortId);
  if (!decision) return { error: "That endpoint no longer exists." };
  if (!decision.allowed) return { error: decision.message };
  return { endpoint };
}

export async function createWebhookAction(_state: FormState, form: FormData): Promise<FormState> {
  const viewer = await currentViewer();
  const scope = formText(form, "scope");
  const cohortId = scope === "site" || scope === "" ? null : scope;
  const decision = await webhooksDecision(viewer, cohortId);
  if (!decision) return { error: "There is no such cohort.", field: "scope" };
  if (!decision.allowed) return { error: decision.message };
  const url = formText(form, "url");
  const description = formText(form, "description");
  const values = { url, description, scope };
  if (!url) return { error: "Give the URL the events are sent to.", field: "url", values };
  if (url.length > URL_MAX) return { error: `Give a URL of at most ${URL_MAX} characters.`, field: "url", values };
  const refusal = await outboundUrlRefusal(url);
  if (refusal) return { error: refusal, field: "url", values };
  if (description.length > DESCRIPTION_MAX) return { error: `Keep the description to ${DESCRIPTION_MAX} characters.`, field: "description", values };
  const events = EVENT_TYPES.filter((type) => form.get(`event:${type}`) === "on");
  const { secret } = await createEndpoint({ url, cohortId, events, description, createdById: viewer.account!.id });
  pagesOf(cohortId);
  return { notice: `Added ${url}. Its signing secret, shown only now — copy it into the receiver: ${secret}` };
}

export async function setWebhookDisabledAction(_state: FormState, form: FormData): Promise<FormState> {
  const managed = await managedEndpoint(formText(form, "endpointId"));
  if ("error" in managed) return managed;
  const disable = formText(form, "disable") === "1";
  await setDisabled(managed.endpoint.id, disable);
  pagesOf(managed.endpoint.cohortId);
  return { notice: disable ? `Disabled: nothing more is sent to ${managed.endpoint.url}.` : `Enabled: events are sent to ${managed.endpoint.url} again.` };
}

export async function deleteWebhookAction(_state: FormState, form: FormData): Promise<FormState> {
  const managed = await managedEndpoint(formText(form, "endpointId"));
  if ("error" in managed) return managed;
  await deleteEndpoint(managed.endpoint.id);
  pagesOf(managed.endpoint.cohortId);
  return { notice: `Deleted ${managed.endpoint.url} and its deliveries.` };
}

export async function sendTestEventAction(_state: FormState, form: FormData): Promise<FormState> {
  const managed = await managedEndpoint(formText(form, "endpointId"));
  if ("error" in managed) return managed;
  if (managed.endpoint.disabledAt) return { error: "This endpoint is disabled: enable it first." };
  await queueTestEvent(managed.endpoint);
  revalidatePath(`/webhooks/${managed.endpoint.id}`);
  return { notice: "A webhook.test event is on its way: its delivery shows in the log." };
}

export async function retryDeliveryAction(_state: FormState, form: FormData): Promise<FormState> {
  const endpointId = await deliveryEndpoint(formText(form, "deliveryId"));
  if (!endpointId) return { error: "That delivery no longer exists." };
  const managed = await managedEndpoint(endpointId);
  if ("error" in managed) return managed;
  if (!(await retryDelivery(formText(form, "deliveryId")))) return { error: "That delivery was delivered already." };
  revalidatePath(`/webhooks/${endpointId}`);
  return { notice: "It is sent again now." };
}
