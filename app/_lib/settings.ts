import { db } from "./db";
import { storedEmbedOrigins } from "./embedOrigins";

// The site's settings that admins change, kept in one row (made the first time one is changed).

const SETTINGS_ROW = 1;

export interface SiteSettings {
  anonymousMayTry: boolean;
  /** The origins whose pages may frame an embedded lesson (app/_lib/embedOrigins.ts). */
  embedOrigins: string[];
}

export async function siteSettings(): Promise<SiteSettings> {
  const row = await db.siteSettings.findUnique({ where: { id: SETTINGS_ROW } });
  return { anonymousMayTry: row?.anonymousMayTry ?? true, embedOrigins: storedEmbedOrigins(row?.embedOrigins ?? "") };
}

export async function setAnonymousMayTry(anonymousMayTry: boolean): Promise<void> {
  await db.siteSettings.upsert({ where: { id: SETTINGS_ROW }, create: { id: SETTINGS_ROW, anonymousMayTry }, update: { anonymousMayTry } });
}

/** Saves origins checked by parseEmbedOrigins. */
export async function setEmbedOrigins(origins: string[]): Promise<void> {
  const embedOrigins = origins.join(" ");
  await db.siteSettings.upsert({ where: { id: SETTINGS_ROW }, create: { id: SETTINGS_ROW, embedOrigins }, update: { embedOrigins } });
}
