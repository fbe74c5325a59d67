import type { LessonFile } from "./assets";
import type { Note } from "./notes";
import type { Changes } from "./write";

// import-report.md, beside lesson.mdx: what the importer did with each part of the scenario, what works
// otherwise on Dockyard, and what it could not map. The same text is printed, followed by what this run changed
// (kept out of the file, so that importing an unchanged scenario again changes nothing).

export const REPORT = "import-report.md";

const SECTIONS: [Note["kind"], string][] = [
  ["todo", "Not mapped: needs your hand"],
  ["differs", "Works differently on Dockyard"],
  ["mapped", "Mapped"],
];

export function reportText(title: string, source: string, notes: Note[], files: LessonFile[]): string {
  const lines = [
    `# Import report: ${title}`,
    "",
    `Imported from the Killercoda scenario \`${source}\` by \`npm run import:killercoda\`. Importing again updates this`,
    "lesson: the files listed in import-manifest.json are the importer's (delete that file to take the lesson over).",
  ];
  for (const [kind, heading] of SECTIONS) {
    const mine = notes.filter((n) => n.kind === kind);
    if (!mine.length) continue;
    lines.push("", `## ${heading}`, "", ...mine.map((n) => `- \`${n.where}\`: ${n.message}`));
  }
  if (files.length)
    lines.push(
      "",
      "## Files placed on the nodes",
      "",
      ...files.map((f) => `- \`${f.source}\` → ${f.node ?? "node1"}:\`${f.target}\`${f.mode ? ` (mode ${f.mode})` : ""}`),
    );
  return lines.join("\n") + "\n";
}

export function changesText(slug: string, changes: Changes): string {
  const list = (label: string, names: string[]) => (names.length ? [`  ${label}: ${names.join(", ")}`] : []);
  const changed = changes.added.length + changes.updated.length + changes.removed.length;
  return [
    `${slug}: ${changed ? `${changed} file(s) changed` : "unchanged"}`,
    ...list("added", changes.added),
    ...list("updated", changes.updated),
    ...list("removed", changes.removed),
  ].join("\n");
}
