import crypto from "node:crypto";
import { issue, Refusal, secret, verify } from "@dockyard/contract/server";
import { DEEP_LINKING_CLAIM, LTI_CLAIM, LTI_VERSION, type LtiLaunch } from "./claims";
import { assignLessons, catalogLesson, gradedSteps } from "./assignments";
import { signAsTool } from "./keys";
import { platformById } from "./platforms";
import { toolUrls } from "./tool";

// LTI Deep Linking: an instructor's LtiDeepLinkingRequest lands on the lesson picker (/lti/deep-link), which
// carries the request in a signed ticket (an hour, this learner only); the lessons picked come back as a signed
// LtiDeepLinkingResponse of ltiResourceLink items, auto-posted to the LMS's deep_link_return_url. Each item has a
// line item (so the LMS makes a gradebook column, scored out of the lesson's graded steps) and the custom
// parameter `lesson`, which the link's launches then open.

const TICKET = "lti-deep-link";
const TICKET_SECONDS = 3600;

export interface DeepLinkTicket {
  platformId: string;
  deploymentId: string;
  contextId?: string;
  returnUrl: string;
  /** The platform's opaque `data` as JSON text, returned as it came. */
  data?: string;
  acceptMultiple: boolean;
  learnerId: string;
}

export function deepLinkTicket(platformId: string, launch: LtiLaunch, learnerId: string): string {
  const dl = launch.deepLinking!;
  return issue(
    secret(),
    TICKET,
    {
      platform: platformId,
      deployment: launch.deploymentId,
      ...(launch.context && { context: launch.context.id }),
      returnUrl: dl.returnUrl,
      ...(dl.data !== undefined && { data: dl.data }),
      multiple: dl.acceptMultiple ? "1" : "0",
      learner: learnerId,
    },
    TICKET_SECONDS,
  );
}

/** The request a ticket carries, for the learner it was given to; a Refusal otherwise. */
export function readTicket(ticket: string | undefined, learnerId: string | undefined): DeepLinkTicket {
  let claims: Record<string, string>;
  try {
    claims = verify(secret(), TICKET, ticket);
  } catch {
    throw new Refusal("lti_state", "This lesson picker has expired or did not come from your LMS. Open “add a Dockyard lesson” in your course again.");
  }
  if (claims.learner !== learnerId)
    throw new Refusal(
      "forbidden",
      "This lesson picker belongs to the session that opened it from your course (your browser may be blocking Dockyard's cookies inside the course page). Open it again from your course.",
    );
  return {
    platformId: claims.platform!,
    deploymentId: claims.deployment!,
    contextId: claims.context,
    returnUrl: claims.returnUrl!,
    data: claims.data,
    acceptMultiple: claims.multiple === "1",
    learnerId: claims.learner!,
  };
}

/** The signed LtiDeepLinkingResponse for the lessons picked, and where to post it; the lessons become the course's assignments. */
export async function deepLinkResponse(ticket: DeepLinkTicket, slugs: string[], site: string): Promise<{ returnUrl: string; jwt: string }> {
  const platform = await platformById(ticket.platformId);
  if (!platform) throw new Refusal("lti_unknown_platform", "The LMS this picker was opened from is no longer registered with Dockyard.");
  const unique = [...new Set(slugs)];
  if (unique.length === 0) throw new Refusal("bad_request", "Pick at least one lesson.");
  if (unique.length > 1 && !ticket.acceptMultiple) throw new Refusal("bad_request", "Your LMS takes one lesson at a time here: pick one.");
  const lessons = unique.map(catalogLesson);
  if (ticket.contextId) await assignLessons(platform.id, ticket.contextId, unique);
  const items = lessons.map((lesson) => ({
    type: "ltiResourceLink",
    title: lesson.title,
    text: lesson.summary,
    url: toolUrls(site).launch,
    custom: { lesson: lesson.slug },
    lineItem: { scoreMaximum: Math.max(1, gradedSteps(lesson)), label: lesson.title, resourceId: lesson.slug, tag: "dockyard" },
  }));
  const claims = {
    nonce: crypto.randomBytes(16).toString("base64url"),
    [LTI_CLAIM + "message_type"]: "LtiDeepLinkingResponse",
    [LTI_CLAIM + "version"]: LTI_VERSION,
    [LTI_CLAIM + "deployment_id"]: ticket.deploymentId,
    [DEEP_LINKING_CLAIM + "content_items"]: items,
    [DEEP_LINKING_CLAIM + "msg"]: `Added ${lessons.length === 1 ? "1 Dockyard lesson" : `${lessons.length} Dockyard lessons`}.`,
    ...(ticket.data !== undefined && { [DEEP_LINKING_CLAIM + "data"]: JSON.parse(ticket.data) as unknown }),
  };
  return { returnUrl: ticket.returnUrl, jwt: await signAsTool(claims, { issuer: platform.clientId, audience: platform.issuer }) };
}
