import crypto from "node:crypto";
import { mayManageWebhooks, type Decision, type Viewer } from "../access";
import { cohortById, membershipOf } from "../cohorts";
import { db } from "../db";
import { enqueue, resendNow } from "../outbox/queue";
import { endpointEvents, TEST_EVENT, type EventType } from "./events";

// Webhook endpoints (the site's own, or a cohort's) and their deliveries as the delivery log shows them. Who may
// manage which is app/_lib/access.ts's mayManageWebhooks; the URL is checked by app/_lib/outboundUrl.ts before it
// is saved here.

export interface Endpoint {
  id: string;
  url: string;
  cohortId: string | null;
  cohortName: string | null;
  /** The events sent; empty for all. */
  events: EventType[];
  description: string;
  createdAt: Date;
  disabledAt: Date | null;
}

export interface NewEndpoint {
  url: string;
  cohortId: string | null;
  events: EventType[];
  description: string;
  createdById: string;
}

/** A delivery's state, as the log says it. */
export type DeliveryState = "delivered" | "abandoned" | "sending" | "waiting";

export interface Delivery {
  id: string;
  event: string;
  createdAt: Date;
  attempts: number;
  state: DeliveryState;
  lastStatus: number | null;
  lastResponse: string | null;
  lastAttemptAt: Date | null;
  /** When it is tried next (waiting) or was delivered or abandoned. */
  at: Date;
}

/** May the viewer manage the webhooks of the site (null) or of this cohort; undefined when there is no such cohort. */
export async function webhooksDecision(viewer: Viewer, cohortId: string | null): Promise<Decision | undefined> {
  if (cohortId === null) return mayManageWebhooks(viewer);
  const cohort = await cohortById(cohortId);
  if (!cohort) return undefined;
  return mayManageWebhooks(viewer, { instructorId: cohort.instructorId, membership: await membershipOf(cohort.id, viewer.learnerId) });
}

/** A signing secret as Standard Webhooks writes it: "whsec_" and 32 random bytes in base64. */
export const newSecret = () => `whsec_${crypto.randomBytes(32).toString("base64")}`;

const FIELDS = { id: true, url: true, cohortId: true, events: true, description: true, createdAt: true, disabledAt: true, cohort: { select: { name: true } } };
type Row = { events: string; cohort: { name: string } | null } & Omit<Endpoint, "events" | "cohortName">;
const view = ({ cohort, events, ...row }: Row): Endpoint => ({ ...row, events: endpointEvents(events), cohortName: cohort?.name ?? null });

/** The site's endpoints and every cohort's (admins), or one cohort's. */
export async function listEndpoints(scope: { cohortId: string } | "all"): Promise<Endpoint[]> {
  const rows = await db.webhookEndpoint.findMany({
    where: scope === "all" ? {} : { cohortId: scope.cohortId },
    select: FIELDS,
    orderBy: [{ cohortId: "asc" }, { createdAt: "asc" }],
  });
  return rows.map(view);
}

export async function endpointById(id: string): Promise<Endpoint | undefined> {
  const row = await db.webhookEndpoint.findUnique({ where: { id }, select: FIELDS });
  return row ? view(row) : undefined;
}

/** Saves an endpoint; returns its id and its secret, which is shown once. */
export async function createEndpoint(plan: NewEndpoint): Promise<{ id: string; secret: string }> {
  const id = `ep_${crypto.randomBytes(12).toString("base64url")}`;
  const secret = newSecret();
  await db.webhookEndpoint.create({
    data: {
      id,
      url: plan.url,
      cohortId: plan.cohortId,
      secret,
      events: JSON.stringify(plan.events),
      description: plan.description,
      createdById: plan.createdById,
    },
  });
  return { id, secret };
}

/** Disables an endpoint (nothing new is queued for it; what is queued is abandoned when due) or enables it again. */
export async function setDisabled(id: string, disabled: boolean): Promise<void> {
  await db.webhookEndpoint.update({ where: { id }, data: { disabledAt: disabled ? new Date() : null } });
}

/** Deletes an endpoint and its deliveries. */
export async function deleteEndpoint(id: string): Promise<void> {
  await db.$transaction([db.outboxMessage.deleteMany({ where: { kind: "webhook", target: id } }), db.webhookEndpoint.delete({ where: { id } })]);
}

/** Queues a webhook.test delivery to the endpoint, whatever events it takes. */
export async function queueTestEvent(endpoint: Endpoint, now = new Date()): Promise<string> {
  const body = {
    type: TEST_EVENT,
    timestamp: now.toISOString(),
    data: { endpoint: endpoint.id, message: "A test event sent from Dockyard's webhook settings." },
  };
  return enqueue(db, { kind: "webhook", target: endpoint.id, topic: TEST_EVENT, payload: body });
}

function stateOf(m: { deliveredAt: Date | null; abandonedAt: Date | null; leasedUntil: Date | null; nextAttemptAt: Date }, now: Date) {
  if (m.deliveredAt) return { state: "delivered" as const, at: m.deliveredAt };
  if (m.abandonedAt) return { state: "abandoned" as const, at: m.abandonedAt };
  if (m.leasedUntil && m.leasedUntil > now) return { state: "sending" as const, at: m.nextAttemptAt };
  return { state: "waiting" as const, at: m.nextAttemptAt };
}

/** The endpoint's latest deliveries, newest first. */
export async function deliveryLog(endpointId: string, limit = 50, now = new Date()): Promise<Delivery[]> {
  const rows = await db.outboxMessage.findMany({ where: { kind: "webhook", target: endpointId }, orderBy: { createdAt: "desc" }, take: limit });
  return rows.map((m) => ({
    id: m.id,
    event: m.topic,
    createdAt: m.createdAt,
    attempts: m.attempts,
    lastStatus: m.lastStatus,
    lastResponse: m.lastResponse,
    lastAttemptAt: m.lastAttemptAt,
    ...stateOf(m, now),
  }));
}

/** The endpoint a webhook delivery is for, if there is such a delivery. */
export async function deliveryEndpoint(messageId: string): Promise<string | undefined> {
  const message = await db.outboxMessage.findUnique({ where: { id: messageId }, select: { kind: true, target: true } });
  return message?.kind === "webhook" ? message.target : undefined;
}

/** "Retry now" for one delivery; false when it was delivered already (or is gone). */
export const retryDelivery = (messageId: string) => resendNow(db, messageId);
