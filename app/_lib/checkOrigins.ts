// Who started a check, as the site records it beside each attempt (progress.ts) and graders read it (evidence.ts).

/**
 * Who started a check: the learner ("Check my work", a quiz answer) or the lesson page by itself, a moment
 * after a command ran. Graders count the first as attempts and the second apart. A row recorded before the
 * site told them apart (or sent by a page loaded before) reads "unknown".
 */
export const CHECK_ORIGINS = ["asked", "automatic"] as const;
export type CheckOrigin = (typeof CHECK_ORIGINS)[number];
export type RecordedOrigin = CheckOrigin | "unknown";
