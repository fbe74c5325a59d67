// Cross-site request forgery: a page of another site making the learner's browser send Dockyard a request that
// changes something (reset a lab, sign out, join a cohort), with the learner's cookie. SameSite=Lax stops only
// part of it (a top-level form POST from a sibling host is same-site). proxy.ts asks this module about every
// request, API routes and Server Actions alike, before any route sees it.

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Endpoints another site's page posts to by design: an LMS's LTI login initiation and launch (a signed token and the state cookie protect them). */
export const CROSS_SITE_ENDPOINTS = new Set(["/lti/login", "/lti/launch"]);

/**
 * Why a request that changes state is refused as sent by another site's page; undefined when it may go on.
 *
 * The expected origin is DOCKYARD_PUBLIC_URL's (`publicUrl`) when set, else the host the request was sent to
 * (localhost development, where no front server rewrites it). `Origin: null` (sandboxed frames, redirects across
 * origins) is foreign too. Without an Origin header, `Sec-Fetch-Site` decides, and anything but same-origin is
 * refused: the learner's previews are same-site with Dockyard when they live on a sibling host.
 *
 * A request with neither header passes. Browsers send Origin with every non-GET fetch and form POST (and
 * Sec-Fetch-Site with every request), so a browser made to forge one always says where it comes from; a client
 * that sends neither (curl, the tests' Node clients, scripts) is not a browser and carries no one's cookie but
 * what it was given.
 */
export function crossSiteRefusal(method: string, headers: Headers, publicUrl: string | undefined): string | undefined {
  if (SAFE_METHODS.has(method)) return undefined;
  const expected = publicUrl ? new URL(publicUrl).origin : `the address ${headers.get("host")}`;
  const origin = headers.get("origin");
  if (origin !== null) {
    if (publicUrl ? originOf(origin) === expected : hostOf(origin) === headers.get("host")) return undefined;
    return `This request came from another site (${origin}), not from Dockyard's own pages at ${expected}, so it was refused.`;
  }
  const site = headers.get("sec-fetch-site");
  if (site === null || site === "same-origin" || site === "none") return undefined;
  return `This request came from another site (Sec-Fetch-Site: ${site}), not from Dockyard's own pages at ${expected}, so it was refused.`;
}

const originOf = (origin: string) => parsed(origin)?.origin;
const hostOf = (origin: string) => parsed(origin)?.host;

function parsed(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined; // "null", or nothing a browser sends
  }
}
