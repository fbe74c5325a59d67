// Which sites may frame an embedded lesson: the origins an admin lists (SiteSettings.embedOrigins) and those of the
// registered LTI platforms, whose launches land in the LMS's frame on the embed layout. Each becomes a source of
// the embedded page's frame-ancestors (app/_lib/securityHeaders.ts), so each must be one exact origin and nothing
// a policy could read otherwise. No database here: app/_lib/embedAncestors.ts reads the rows.

/** The host names whose pages may be allowed over plain http: this machine's, for development. */
const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * A host name of letters, digits, dots and hyphens (IDNs in their xn-- form), or an IP address. The URL parser lets
 * more through (`;`, `'`), which in a policy would end the directive or begin a keyword.
 */
const PLAIN_HOST = /^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])$/;

/** Sites an admin may list at most (each is a word of every embedded page's policy). */
export const MAX_EMBED_ORIGINS = 50;

/**
 * The origin a URL names, when a page there may be allowed to frame Dockyard: https, or http on this machine only
 * (a page on a plain-http site elsewhere could be rewritten by anyone on the way); undefined for anything else.
 */
export function framingOrigin(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (!PLAIN_HOST.test(parsed.hostname)) return undefined;
  if (parsed.protocol === "https:" || (parsed.protocol === "http:" && LOOPBACK.has(parsed.hostname))) return parsed.origin;
  return undefined;
}

/**
 * What an admin typed (origins separated by spaces or lines) as the list to keep, or what is wrong with it in plain
 * words. Each must be exactly an origin: scheme, host and port if not the default, no path. No wildcards: a
 * `*.example.edu` would let every host under it frame Dockyard, which on shared hosting (one LMS vendor's domain for
 * all its schools, a domain of user pages) means sites nobody here chose.
 */
export function parseEmbedOrigins(text: string): { origins: string[] } | { error: string } {
  const origins: string[] = [];
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (word.includes("*")) return { error: `“${word}”: wildcards are not accepted; list each site that may embed lessons.` };
    const origin = framingOrigin(word);
    if (!origin) return { error: `“${word}” is not an https address (plain http is accepted only for localhost).` };
    if (word.replace(/\/$/, "").toLowerCase() !== origin) return { error: `“${word}” is not an origin: give the scheme, host and port only, as in ${origin}.` };
    if (!origins.includes(origin)) origins.push(origin);
  }
  if (origins.length > MAX_EMBED_ORIGINS) return { error: `List at most ${MAX_EMBED_ORIGINS} sites.` };
  return { origins };
}

/** The stored list (SiteSettings.embedOrigins, saved through parseEmbedOrigins) as origins; a word that would not pass now is left out. */
export const storedEmbedOrigins = (stored: string): string[] =>
  stored.split(/\s+/).flatMap((word) => {
    const parsed = parseEmbedOrigins(word);
    return "origins" in parsed ? parsed.origins : [];
  });

/**
 * The origins an LMS frames its tools from: its issuer's and its login endpoint's (Moodle and Open edX serve both
 * from the LMS's own address; Canvas's issuer is canvas.instructure.com while the course is on the school's host,
 * which an admin lists in the embedding setting).
 */
export function platformOrigins(platforms: { issuer: string; authLoginUrl: string }[]): string[] {
  const origins = platforms.flatMap((p) => [framingOrigin(p.issuer), framingOrigin(p.authLoginUrl)]).filter((o): o is string => o !== undefined);
  return [...new Set(origins)];
}
