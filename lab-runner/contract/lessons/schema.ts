import { z } from "zod";
import type { Check } from "./checks";
import { MAX_NODES } from "../ids";

// What a lesson may say about itself (frontmatter) and what the parser makes of it.

export const MAX_FAKE_NODES = 20;

/**
 * A file of the lesson's folder placed on a node before the lesson's setup runs (frontmatter `files:`). The
 * parser resolves `target` (absolute, or relative to /root; ending in "/" it is a folder the file keeps its name in).
 */
const lessonFileSchema = z
  .object({
    source: z
      .string()
      .min(1)
      .refine((s) => !s.startsWith("/") && !s.split(/[\\/]/).includes(".."), "must be a path inside the lesson's folder, like files/app.py"),
    target: z
      .string()
      .min(1)
      .refine((s) => !s.includes("\0") && !s.split("/").includes(".."), "must be a path on the node without .."),
    node: z.string().optional(),
    mode: z
      .string()
      .regex(/^0?[0-7]{3}$/, 'must be octal permissions like "0755"')
      .optional(),
  })
  .strict();

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
    /** Files of the lesson's folder copied onto nodes before the lesson's setup runs. */
    files: z.array(lessonFileSchema).optional(),
  })
  .strict();

/** What a lesson's cluster has beyond one kubelet per node. */
export interface KubernetesLab {
  fakeNodes: number;
}

/** A `files:` entry as written. */
export type AuthoredFile = z.infer<typeof lessonFileSchema>;

export type Frontmatter = Omit<z.infer<typeof frontmatterSchema>, "files">;

/** A lesson file as the lab-runner places it: on one node, at an absolute path. */
export interface LessonFile {
  /** Relative to the lesson's folder. */
  source: string;
  /** Absolute path of the file on the node. */
  target: string;
  node: string;
  /** Octal permissions, like "0755" (else 0644). */
  mode?: string;
}

/**
 * A ```sh setup block: a script the lab-runner runs as root on a node, through the exec path checks use (never
 * the terminal or the recording). Before the first <Step> it prepares the lab before the learner sees it; inside a
 * <Step> it prepares that step when the learner reaches it. Exit 0 passes.
 */
export interface SetupScript {
  /** Unique in the lesson ("lesson-1", "lesson-2", "<step id>-1"…): names the marker on the node that says it passed. */
  id: string;
  node: string;
  /** Seconds it may run before it is stopped and fails. */
  timeout: number;
  script: string;
  line?: number;
}

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
  /** Its ```sh setup blocks, in order, when it has any: run once, when the learner reaches the step. */
  setup?: SetupScript[];
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
  /** Frontmatter `files:`, when it lists any: placed on their nodes before the lesson's setup runs. */
  files?: LessonFile[];
  /** The ```sh setup blocks before the first <Step>, in order, when there are any: the lab is ready once all passed. */
  setup?: SetupScript[];
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
