// The public contract between the site (app/) and the lab-runner, for code that may run in a browser: the
// terminal protocol, boot stages, limits, ids and their patterns, recordings' format and the shapes of lessons.
// Plain data only, no Node imports. Server code takes the rest (settings, sandbox ids, tokens, lesson parsing)
// from "@dockyard/contract/server".

export * from "./types";
export * from "./host-status";
export * from "./ids";
export * from "./asciicast";
export * from "./ack";
export type { Frontmatter, KubernetesLab, Lesson, LessonFile, LessonLink, Quiz, SetupScript, Step } from "./lessons/schema";
export type { Check } from "./lessons/checks";
export * from "./refusals";
export * from "./setup-failure";
