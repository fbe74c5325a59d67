import { z } from "zod";
import type { Check } from "./checks";
import { MAX_NODES } from "../ids";

// What a lesson may say about itself (frontmatter) and what the parser makes of it.

export const MAX_FAKE_NODES = 20;

export const frontmatterSchema = z
  .object({
    title: z.string().min(1),
    summary: z.string().min(1),
    order: z.number().int().nonnegative(),
    level: z.enum(["beginner", "intermediate", "advanced"]).default("beginner"),
    minutes: z.number().int().positive(),
    prerequisites: z.array(z.string()).default([]),
    images: z.array(z.string().regex(/^[a-z0-9][a-z0-9._-]*$/)).default([]),
    nodes: z.number().int().min(1).max(MAX_NODES).default(1),
    /** A private registry on the lab network, registry:5000, with a per-lab password for the learner. */
    registry: z.boolean().default(false),
    /**
     * A Kubernetes cluster across the lab's nodes: control plane on node1, a kubelet on every node; `true`, or
     * `{ fakeNodes: N }` to add N kwok nodes that take pods on paper only (for scheduling lessons).
     */
    kubernetes: z
      .union([z.boolean(), z.object({ fakeNodes: z.number().int().min(0).max(MAX_FAKE_NODES).default(0) }).strict()])
      .default(false)
      .transform((value): KubernetesLab | undefined => (value === false ? undefined : value === true ? { fakeNodes: 0 } : value)),
  })
  .strict();

/** What a lesson's cluster has beyond one kubelet per node. */
export interface KubernetesLab {
  fakeNodes: number;
}

export type Frontmatter = z.infer<typeof frontmatterSchema>;

/** A multiple-choice question for a concept step; judged on the server, so `correct` never reaches a browser. */
export interface Quiz {
  question: string;
  options: string[];
  /** Indexes into options: every one must be chosen, and nothing else. */
  correct: number[];
}

export interface Step {
  id: string;
  title: string;
  /** The node whose terminal the step's commands are typed into, when the <Step> says node="…" (else node1). */
  node?: string;
  checks: Check[];
  /** Commands of the step's runnable code blocks (```sh run), in order. */
  commands: string[];
  /** What completes the step, for lessons:test: the <Solution>'s shell blocks, else the runnable blocks. */
  solution: string[];
  /** Known-wrong answers (```sh wrong blocks, never shown): each must leave the step's checks failing. */
  wrong: string[];
  /** How many <Hint>s the step has (revealed one by one). */
  hints: number;
  quiz?: Quiz;
}

/** A step that counts towards progress: the lab-runner checks it, or it asks a quiz. */
export const isGraded = (step: Step) => step.checks.length > 0 || step.quiz !== undefined;

/** A link or image in the lesson's prose, for the linter. */
export interface LessonLink {
  url: string;
  line?: number;
}

export interface Lesson extends Frontmatter {
  slug: string;
  file: string;
  source: string;
  steps: Step[];
  links: LessonLink[];
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
