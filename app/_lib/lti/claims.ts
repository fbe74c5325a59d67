import type { JWTPayload } from "jose";
import { Refusal } from "@dockyard/contract";

// What an LTI 1.3 launch's id_token says, once its signature and iss/aud/exp are verified (launch.ts): the checks
// of LTI Core §5 on the claims themselves, and the launch read into the few things Dockyard uses. Pure: no I/O.

export const LTI_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/";
export const DEEP_LINKING_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/";
export const AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint";
export const NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice";
export const LTI_VERSION = "1.3.0";

const MESSAGE_TYPES = ["LtiResourceLinkRequest", "LtiDeepLinkingRequest"] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

export interface LtiLaunch {
  messageType: MessageType;
  deploymentId: string;
  /** The person's stable id at the platform. */
  subject: string;
  email?: string;
  name?: string;
  /** Role URIs, as sent. */
  roles: string[];
  /** The course. */
  context?: { id: string; title: string };
  resourceLinkId?: string;
  /** Custom parameters: `lesson` names the lesson a resource link opens (set by Dockyard's Deep Linking items). */
  custom: Record<string, string>;
  /** Where the LMS shows the tool (launch_presentation.document_target): "iframe", "frame" or "window". */
  documentTarget?: string;
  /** Deep Linking: where the response goes, and the platform's opaque `data` as JSON text (returned exactly as it came). */
  deepLinking?: { returnUrl: string; data?: string; acceptMultiple: boolean };
  /** Assignment and Grade Services: the course's line items, and this link's own. */
  lineItemsUrl?: string;
  lineItemUrl?: string;
  /** Names and Role Provisioning: the course's roster. */
  membershipsUrl?: string;
}

/** What Dockyard knows of the platform a launch claims to come from. */
export interface PlatformFacts {
  clientId: string;
  deploymentIds: string[];
}

const invalid = (what: string) =>
  new Refusal("lti_invalid", `Your LMS sent a launch Dockyard cannot use: ${what}. Ask your LMS administrator to check Dockyard's registration.`);

const text = (value: unknown): string | undefined => (typeof value === "string" && value.trim() !== "" ? value : undefined);
const object = (value: unknown): Record<string, unknown> =>
  value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
const httpUrl = (value: unknown): string | undefined => {
  const url = text(value);
  return url && /^https?:\/\//.test(url) && URL.canParse(url) ? url : undefined;
};

/**
 * The launch a verified id_token carries, or a Refusal naming what is wrong: its LTI version, message type,
 * deployment (one registered for the platform), authorized party, subject, and the claims its message type needs.
 */
export function readLaunch(payload: JWTPayload, platform: PlatformFacts): LtiLaunch {
  const claim = (name: string) => payload[LTI_CLAIM + name];
  if (claim("version") !== LTI_VERSION) throw invalid(`it is LTI version ${String(claim("version") ?? "(none)")}, not ${LTI_VERSION}`);
  const messageType = claim("message_type");
  if (!MESSAGE_TYPES.includes(messageType as MessageType)) throw invalid(`its message type ${String(messageType ?? "(none)")} is not one Dockyard handles`);
  const deploymentId = text(claim("deployment_id"));
  if (!deploymentId) throw invalid("it names no deployment");
  if (!platform.deploymentIds.includes(deploymentId))
    throw new Refusal(
      "lti_unknown_deployment",
      `This LMS sent deployment “${deploymentId}”, which is not registered with Dockyard, so the launch was refused. Ask a Dockyard admin to add it under Admin → LTI platforms.`,
    );
  // OpenID Connect Core §2: with several audiences, azp names the one meant; when present, it must be Dockyard.
  const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if ((audiences.length > 1 || payload.azp !== undefined) && payload.azp !== platform.clientId)
    throw invalid("its authorized party (azp) is not Dockyard's client id");
  const subject = text(payload.sub);
  if (!subject) throw invalid("it does not say who is launching (no sub)");

  const contextClaim = object(claim("context"));
  const contextId = text(contextClaim.id);
  const resourceLink = object(claim("resource_link"));
  const ags = object(payload[AGS_CLAIM]);
  const launch: LtiLaunch = {
    messageType: messageType as MessageType,
    deploymentId,
    subject,
    email: text(payload.email),
    name: text(payload.name),
    roles: (Array.isArray(claim("roles")) ? (claim("roles") as unknown[]) : []).filter((r): r is string => typeof r === "string"),
    context: contextId ? { id: contextId, title: text(contextClaim.title) ?? text(contextClaim.label) ?? contextId } : undefined,
    resourceLinkId: text(resourceLink.id),
    custom: Object.fromEntries(Object.entries(object(claim("custom"))).filter((e): e is [string, string] => typeof e[1] === "string")),
    documentTarget: text(object(claim("launch_presentation")).document_target),
    lineItemsUrl: httpUrl(ags.lineitems),
    lineItemUrl: httpUrl(ags.lineitem),
    membershipsUrl: httpUrl(object(payload[NRPS_CLAIM]).context_memberships_url),
  };
  if (launch.messageType === "LtiResourceLinkRequest" && !launch.resourceLinkId) throw invalid("it is a resource link launch without a resource link id");
  if (launch.messageType === "LtiDeepLinkingRequest") {
    const settings = object(payload[DEEP_LINKING_CLAIM + "deep_linking_settings"]);
    const returnUrl = httpUrl(settings.deep_link_return_url);
    if (!returnUrl) throw invalid("it is a deep linking request without a return address (deep_link_return_url)");
    launch.deepLinking = {
      returnUrl,
      data: settings.data === undefined ? undefined : JSON.stringify(settings.data),
      acceptMultiple: settings.accept_multiple !== false,
    };
  }
  return launch;
}
