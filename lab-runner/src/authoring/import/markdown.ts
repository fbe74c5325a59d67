import { readActions } from "./actions";
import { detailsRole, nestDetails, type Part } from "./details";
import type { Notes } from "./notes";
import { convertProse } from "./prose";

// One Killercoda page (intro, step or finish markdown) as the MDX of a Dockyard lesson: actions become run and
// copy blocks, <details> solutions become <Solution>s, the prose is made valid MDX.

/** A fenced block whose fence is longer than any run of backticks in its body. */
export function fence(info: string, body: string): string {
  const longest = Math.max(0, ...(body.match(/`+/g) ?? []).map((t) => t.length));
  const ticks = "`".repeat(Math.max(3, longest + 1));
  return `${ticks}${info}\n${body.replace(/\n+$/, "")}\n${ticks}`;
}

function render(parts: Part[], inStep: boolean, where: string, notes: Notes): string {
  return parts
    .map((part) => {
      if (part.kind === "prose") return convertProse(part.text, where, notes).trim();
      if (part.kind === "code") return fence([part.lang, ...part.meta].join(" "), part.body);
      const role = detailsRole(part.summary, part.parts, inStep);
      const body = render(part.parts, false, where, notes);
      if (role === "Solution") {
        notes.add("mapped", where, `<details> “${part.summary || "…"}” became the step's <Solution>`);
        return `<Solution>\n\n${body}\n\n</Solution>`;
      }
      if (role === "Hint") {
        notes.add("mapped", where, `<details> “${part.summary || "…"}” became a <Hint>`);
        const title = part.summary && !/^hints?$/i.test(part.summary) ? `**${convertProse(part.summary, where, notes)}**\n\n` : "";
        return `<Hint>\n\n${title}${body}\n\n</Hint>`;
      }
      return `<details>\n<summary>${convertProse(part.summary, where, notes)}</summary>\n\n${body}\n\n</details>`;
    })
    .filter(Boolean)
    .join("\n\n");
}

/** A page's markdown as MDX; `inStep` when it is a step's text (where solutions and hints may go). */
export function convertPage(markdown: string, where: string, inStep: boolean, notes: Notes): string {
  return render(nestDetails(readActions(markdown, where, notes)), inStep, where, notes);
}
