import { db } from "./db";

// The site's settings that admins change, kept in one row (made the first time one is changed).

const SETTINGS_ROW = 1;
const DEFAULTS = { anonymousMayTry: true };

export async function siteSettings(): Promise<{ anonymousMayTry: boolean }> {
  const row = await db.siteSettings.findUnique({ where: { id: SETTINGS_ROW } });
  return row ? { anonymousMayTry: row.anonymousMayTry } : DEFAULTS;
}

export async function setAnonymousMayTry(anonymousMayTry: boolean): Promise<void> {
  await db.siteSettings.upsert({ where: { id: SETTINGS_ROW }, create: { id: SETTINGS_ROW, anonymousMayTry }, update: { anonymousMayTry } });
}
