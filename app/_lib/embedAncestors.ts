import { db } from "./db";
import { platformOrigins } from "./embedOrigins";
import { siteSettings } from "./settings";

// Who may frame an embedded lesson, from the database: the origins an admin lists and those of the registered LTI
// platforms (an LMS shows a launched lesson in its own frame).

export interface EmbedAncestors {
  /** Listed on the admin page. */
  listed: string[];
  /** Of the registered LTI platforms. */
  platforms: string[];
}

export async function embedAncestors(): Promise<EmbedAncestors> {
  const [settings, platforms] = await Promise.all([siteSettings(), db.ltiPlatform.findMany({ select: { issuer: true, authLoginUrl: true } })]);
  return { listed: settings.embedOrigins, platforms: platformOrigins(platforms) };
}

/** Every origin that may frame an embedded lesson, once each. */
export const allEmbedAncestors = ({ listed, platforms }: EmbedAncestors): string[] => [...new Set([...listed, ...platforms])];
