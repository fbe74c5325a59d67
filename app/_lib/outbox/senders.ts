import type { Sender } from "./outcome";
import { sendRosterSync } from "../lti/roster";
import { sendScore } from "../lti/scores";
import { sendWebhook } from "../webhooks/send";

// Who sends each kind of outbox message. A sender makes one attempt and says how it went; the worker keeps the
// record and decides when to try again.

export const SENDERS: Record<string, Sender> = {
  webhook: sendWebhook,
  "lti-score": sendScore,
  "lti-roster": sendRosterSync,
};
