import crypto from "node:crypto";

// Server side only (node:crypto): the patterns sandbox ids must match are in ids.ts, which browsers may load.

/** One sandbox per learner per lesson: its id is derived from both, so site and lab-runner agree on it. */
export const sandboxIdFor = (learnerId: string, lessonSlug: string) =>
  "dy-" + crypto.createHash("sha256").update(`${learnerId}\0${lessonSlug}`).digest("hex").slice(0, 20);
