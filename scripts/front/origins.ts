import { getDomain } from "tldts";
import { isWildcardPreview } from "@dockyard/contract/server";

// The two addresses the front server serves, checked before it starts: the public one (DOCKYARD_PUBLIC_URL) and
// the previews' (DOCKYARD_PREVIEW_URL), which must never be same-site with it. Browsers send a site's SameSite
// cookies along with requests from any page of the same site (same scheme and registrable domain, whatever the
// port or subdomain), and such a page may set cookies for the whole registrable domain: a learner's previewed
// app on the same site could plant or ride on Dockyard's session.

export class FrontSettingError extends Error {}

export interface Origins {
  /** https://labs.example.org (an origin: no path). */
  public: URL;
  /** https://*.preview.example.net (a host name per preview) or https://203.0.113.8 (previews under /preview/); none: previews off. */
  preview?: { url: URL; wildcard: boolean };
}

function httpsOrigin(name: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new FrontSettingError(`${name}=${value} is not a URL: give it as https://host.example.org.`);
  }
  if (url.protocol !== "https:") throw new FrontSettingError(`${name}=${value} must start with https://: the front server serves only HTTPS.`);
  if (url.pathname !== "/" || url.search || url.hash || url.username)
    throw new FrontSettingError(`${name}=${value} must be an address alone (scheme, host and port), without a path.`);
  return url;
}

/** The site a browser puts a host in for cookies: its registrable domain (the public suffix list's, private part included), or the host itself. */
export function siteOf(hostname: string): string {
  const host = hostname.replace(/^\[|\]$/g, "");
  return getDomain(host, { allowPrivateDomains: true }) ?? host;
}

/** The public and preview addresses from their settings; a FrontSettingError says what is wrong with them. */
export function checkOrigins(publicUrl: string | undefined, previewUrl: string | undefined): Origins {
  if (!publicUrl) throw new FrontSettingError("DOCKYARD_PUBLIC_URL is not set: the front server serves Dockyard on that address (https://labs.example.org).");
  const origins: Origins = { public: httpsOrigin("DOCKYARD_PUBLIC_URL", publicUrl) };
  if (!previewUrl) return origins;
  const wildcard = isWildcardPreview(previewUrl);
  if (!wildcard && previewUrl.includes("*"))
    throw new FrontSettingError(`DOCKYARD_PREVIEW_URL=${previewUrl}: a wildcard may only be the first label (https://*.preview.example.net).`);
  const preview = httpsOrigin("DOCKYARD_PREVIEW_URL", previewUrl);
  const previewSite = siteOf(preview.hostname.replace("*", "x")); // where any one preview's host name is
  if (previewSite === siteOf(origins.public.hostname))
    throw new FrontSettingError(
      `DOCKYARD_PREVIEW_URL=${previewUrl} is same-site with DOCKYARD_PUBLIC_URL=${publicUrl} (both are ${previewSite}): ` +
        `a learner's previewed page there could set and send Dockyard's cookies. Give previews a domain of their own ` +
        `(https://*.preview.example-previews.net) or an address of their own (https://203.0.113.8).`,
    );
  return { ...origins, preview: { url: preview, wildcard } };
}
