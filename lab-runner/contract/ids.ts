// The ids the site and the lab-runner pass each other in URLs and messages, and what each may look like: routes
// match against these patterns before anything reads the id. Plain data only, no Node imports (sandbox ids are
// made by sandboxIdFor, on the server side: sandbox-id.ts).

/** The most nodes a lab may have (frontmatter `nodes`). */
export const MAX_NODES = 5;

/** A node's name: node1 to node5, as many as MAX_NODES allows. */
export const NODE_NAME = /^node[1-5]$/;

/** A lab's machines are named node1..nodeN (frontmatter `nodes: N`). */
export const nodeNames = (count: number) => Array.from({ length: count }, (_, i) => `node${i + 1}`);

/** The terminal and checks of a lab use this node unless told otherwise. */
export const DEFAULT_NODE = "node1";

/** A sandbox id as routes accept it (sandboxIdFor makes "dy-" and 20 hex digits). */
export const SANDBOX_ID = /^[a-z0-9-]{1,64}$/;

/** A step's id within its lesson (<Step id="…">). */
export const STEP_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** A lesson's slug: the name of its folder under content/lessons. */
export const LESSON_SLUG = /^[a-z0-9][a-z0-9-]*$/;

export const isNodeName = (value: string) => NODE_NAME.test(value);
export const isSandboxId = (value: string) => SANDBOX_ID.test(value);
export const isStepId = (value: string) => STEP_ID.test(value);
export const isLessonSlug = (value: string) => LESSON_SLUG.test(value);

/**
 * A URL path pattern with ids in it, each one a capture group and the rest regular-expression source, anchored at
 * both ends: idPath`/sandboxes/${SANDBOX_ID}/watch` matches "/sandboxes/dy-…/watch" and captures the id.
 */
export function idPath(parts: TemplateStringsArray, ...ids: RegExp[]): RegExp {
  const unanchored = (id: RegExp) => id.source.replace(/^\^/, "").replace(/\$$/, "");
  return new RegExp(`^${parts.raw.map((part, i) => (i < ids.length ? `${part}(${unanchored(ids[i]!)})` : part)).join("")}$`);
}
