import type { Block } from "./actions";

// Killercoda authors hide solutions and tips in <details><summary>Solution</summary>…</details>. Dockyard has
// components for both: inside a step, a <details> holding shell commands whose summary does not call it a tip
// becomes the step's <Solution> (lessons:test runs it), any other one a <Hint>. Outside steps (intro, finish)
// it stays HTML.

export type Part = Block | { kind: "details"; summary: string; parts: Part[] };

const TAGS = /(<details[^>]*>|<\/details\s*>|<summary[^>]*>[\s\S]*?<\/summary\s*>)/i;

/** Blocks with their <details> sections nested (an unclosed one runs to the end of the page). */
export function nestDetails(blocks: Block[]): Part[] {
  const root: Part[] = [];
  const stack: Extract<Part, { kind: "details" }>[] = [];
  const current = () => stack.at(-1)?.parts ?? root;
  for (const block of blocks) {
    if (block.kind === "code") {
      current().push(block);
      continue;
    }
    for (const piece of block.text.split(new RegExp(TAGS.source, "gi"))) {
      if (/^<details/i.test(piece)) {
        const frame: Extract<Part, { kind: "details" }> = { kind: "details", summary: "", parts: [] };
        current().push(frame);
        stack.push(frame);
      } else if (/^<\/details/i.test(piece)) stack.pop();
      else if (/^<summary/i.test(piece) && stack.length && !stack.at(-1)!.summary)
        stack.at(-1)!.summary = piece
          .replace(/<\/?summary[^>]*>/gi, "")
          .replace(/<[^>]+>/g, "")
          .trim();
      else if (piece.trim()) current().push({ kind: "prose", text: piece });
    }
  }
  return root;
}

const hasShell = (parts: Part[]): boolean => parts.some((p) => (p.kind === "code" ? p.lang === "sh" : p.kind === "details" ? hasShell(p.parts) : false));

/** What a <details> becomes: Solution, Hint, or (outside a step) plain HTML details. */
export function detailsRole(summary: string, parts: Part[], inStep: boolean): "Solution" | "Hint" | "details" {
  if (!inStep) return "details";
  return hasShell(parts) && !/\b(tip|hint)s?\b/i.test(summary) ? "Solution" : "Hint";
}
