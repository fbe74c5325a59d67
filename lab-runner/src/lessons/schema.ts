import { z } from "zod";

// What a lesson may say about itself (frontmatter) and what a check may ask (fenced ```check blocks).

export const frontmatterSchema = z
  .object({
    title: z.string().min(1),
    summary: z.string().min(1),
    order: z.number().int().nonnegative(),
    level: z.enum(["beginner", "intermediate", "advanced"]).default("beginner"),
    minutes: z.number().int().positive(),
    prerequisites: z.array(z.string()).default([]),
    images: z.array(z.string().regex(/^[a-z0-9][a-z0-9._-]*$/)).default([]),
    nodes: z.number().int().min(1).max(5).default(1),
  })
  .strict();

const containerCheck = z
  .object({
    kind: z.literal("container"),
    name: z.string().optional(),
    image: z.string().min(1),
    status: z.enum(["any", "running", "exited"]).default("any"),
    logsContain: z.string().optional(),
  })
  .strict();

const scriptCheck = z
  .object({
    kind: z.literal("script"),
    title: z.string().optional(),
    script: z.string().min(1),
    timeoutSeconds: z.number().positive().max(60).default(15),
  })
  .strict();

export const checkSchema = z.discriminatedUnion("kind", [containerCheck, scriptCheck]);
export const checkBlockSchema = z.union([checkSchema.transform((c) => [c]), z.array(checkSchema).min(1)]);

export type Frontmatter = z.infer<typeof frontmatterSchema>;
export type Check = z.infer<typeof checkSchema>;
export type ContainerCheck = z.infer<typeof containerCheck>;
export type ScriptCheck = z.infer<typeof scriptCheck>;

export interface Step {
  id: string;
  title: string;
  checks: Check[];
  /** Commands of the step's runnable code blocks, in order. */
  commands: string[];
}

export interface Lesson extends Frontmatter {
  slug: string;
  file: string;
  source: string;
  steps: Step[];
}

export class LessonError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly detail: string,
  ) {
    super(`${file}${line ? `:${line}` : ""}: ${detail}`);
  }
}
