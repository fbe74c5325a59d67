import { publicUrl } from "@dockyard/contract/server";
import type { CourseRole } from "./roles";
import { SCOPES } from "./services";

// Dockyard as an LTI tool, described once: its URLs (what an admin pastes into an LMS), the services it asks for,
// its Canvas configuration JSON (/lti/config) and the registration it sends in LTI Dynamic Registration.

/** The site's address: DOCKYARD_PUBLIC_URL, else the host this request reached (localhost development, tests). */
export const siteUrl = (headers: Headers) => (publicUrl() ?? `http://${headers.get("host")}`).replace(/\/$/, "");

/**
 * Where a launched lesson opens. LMSes show tools in an iframe of their course page: the embedded lesson layout
 * (app/embed), which the LMS's origins may frame. A launch the LMS opens in a window of its own gets the full page.
 */
export const lessonLanding = (slug: string, documentTarget?: string) => `${documentTarget === "window" ? "" : "/embed"}/lessons/${encodeURIComponent(slug)}`;

/**
 * Where a resource link launch lands: its lesson; a link to no lesson (Canvas's course navigation, say), in the
 * LMS's frame, the course's embedded page (its lessons and the viewer's progress), for students too. In a window
 * of its own: the cohort's page for those who teach or grade it, the course for students.
 */
export function launchLanding(to: { lessonSlug?: string; cohortId?: string; role: CourseRole; documentTarget?: string }): string {
  if (to.lessonSlug) return lessonLanding(to.lessonSlug, to.documentTarget);
  if (!to.cohortId) return "/";
  if (to.documentTarget !== "window") return `/embed/courses/${encodeURIComponent(to.cohortId)}`;
  return to.role === "student" ? "/" : `/cohorts/${encodeURIComponent(to.cohortId)}`;
}

const TOOL_NAME = "Dockyard";
const TOOL_DESCRIPTION = "Hands-on container lessons with a real terminal, checked step by step.";

/** Assignment and Grade Services (line items, scores) and Names and Role Provisioning (roster): what the tool asks an LMS for, and services.ts requests tokens for. */
export const TOOL_SCOPES: string[] = Object.values(SCOPES);

export interface ToolUrls {
  /** OpenID Connect third-party login initiation. */
  login: string;
  /** Where launches land (the redirect URI and target link URI), Deep Linking requests included. */
  launch: string;
  jwks: string;
  /** Canvas's "Enter URL" configuration. */
  config: string;
  /** LTI Dynamic Registration (Moodle, and any LMS that offers it). */
  register: string;
}

export const toolUrls = (site: string): ToolUrls => ({
  login: `${site}/lti/login`,
  launch: `${site}/lti/launch`,
  jwks: `${site}/lti/jwks`,
  config: `${site}/lti/config`,
  register: `${site}/lti/register`,
});

/** Canvas's developer key JSON ("LTI 1.3", "Enter URL" or paste): a course link and an assignment picker (Deep Linking). */
export function canvasConfiguration(site: string) {
  const urls = toolUrls(site);
  const picker = (placement: string) => ({ placement, message_type: "LtiDeepLinkingRequest", target_link_uri: urls.launch, text: TOOL_NAME });
  return {
    title: TOOL_NAME,
    description: TOOL_DESCRIPTION,
    oidc_initiation_url: urls.login,
    target_link_uri: urls.launch,
    public_jwk_url: urls.jwks,
    scopes: TOOL_SCOPES,
    extensions: [
      {
        platform: "canvas.instructure.com",
        domain: new URL(site).host,
        privacy_level: "public",
        settings: { text: TOOL_NAME, placements: [picker("assignment_selection"), picker("link_selection")] },
      },
    ],
    custom_fields: {},
  };
}

/** The tool's registration request in LTI Dynamic Registration (§3.5). */
export function registrationRequest(site: string) {
  const urls = toolUrls(site);
  return {
    application_type: "web",
    response_types: ["id_token"],
    grant_types: ["implicit", "client_credentials"],
    initiate_login_uri: urls.login,
    redirect_uris: [urls.launch],
    client_name: TOOL_NAME,
    jwks_uri: urls.jwks,
    token_endpoint_auth_method: "private_key_jwt",
    scope: TOOL_SCOPES.join(" "),
    "https://purl.imsglobal.org/spec/lti-tool-configuration": {
      domain: new URL(site).host,
      description: TOOL_DESCRIPTION,
      target_link_uri: urls.launch,
      claims: ["iss", "sub", "name", "email"],
      messages: [{ type: "LtiDeepLinkingRequest", target_link_uri: urls.launch, label: `${TOOL_NAME} lessons` }],
    },
  };
}
