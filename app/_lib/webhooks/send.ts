import { Webhook } from "standardwebhooks";
import type { OutboxMessage } from "../../_generated/prisma/client";
import { db } from "../db";
import type { SendOutcome } from "../outbox/outcome";
import { outboundPost } from "../outboundUrl";

// One delivery of a webhook, signed the Standard Webhooks way (https://www.standardwebhooks.com): webhook-id is the
// outbox message's id, the same on every retry so receivers drop repeats; webhook-timestamp is this attempt's time
// in seconds; webhook-signature is "v1," and the base64 HMAC-SHA256 of "<id>.<timestamp>.<body>" under the
// endpoint's secret. The body is the message's payload, byte for byte.

/** The three headers that sign `body` for the endpoint's secret ("whsec_" + base64). */
export function signatureHeaders(secret: string, id: string, at: Date, body: string): Record<string, string> {
  return {
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": new Webhook(secret).sign(id, at, body),
  };
}

/** Whether an answer's status means the receiver took the delivery. */
export const acceptedStatus = (status: number) => status >= 200 && status < 300;

export async function sendWebhook(message: OutboxMessage): Promise<SendOutcome> {
  const endpoint = await db.webhookEndpoint.findUnique({ where: { id: message.target } });
  if (!endpoint) return { accepted: false, response: "The endpoint was deleted.", abandon: true };
  if (endpoint.disabledAt) return { accepted: false, response: "The endpoint is disabled.", abandon: true };
  const headers = {
    "content-type": "application/json",
    "user-agent": "Dockyard-Webhooks",
    ...signatureHeaders(endpoint.secret, message.id, new Date(), message.payload),
  };
  try {
    const answer = await outboundPost(endpoint.url, headers, message.payload);
    return { accepted: acceptedStatus(answer.status), status: answer.status, response: answer.body };
  } catch (e) {
    return { accepted: false, response: `No answer: ${(e as Error).message}` };
  }
}
