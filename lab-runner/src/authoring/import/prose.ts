import type { Notes } from "./notes";

// Killercoda's prose is Markdown with loose HTML; Dockyard's is MDX, which is stricter: braces are JavaScript,
// every tag must close, HTML comments and <autolinks> are syntax errors. This makes the prose MDX without
// changing what it says, and turns links to the environment's ports into the web preview's.

const VOID = /<(br|hr|img|input|wbr)(\s[^<>]*?)?\s*\/?>/gi;
/** HTML elements an author writes in prose; any other <word> is text ("replace <name>"), not a tag to MDX. */
const HTML = new Set(
  "a abbr b blockquote br center code dd del details div dl dt em font h1 h2 h3 h4 h5 h6 hr i img input ins kbd li mark ol p pre s small span strong sub summary sup table tbody td th thead tr u ul wbr".split(
    " ",
  ),
);

/** Text outside inline code: braces escaped, void tags closed, a < that starts no HTML tag escaped, autolinks made links. */
function escapeText(text: string): string {
  return text
    .replace(/[{}]/g, (c) => `\\${c}`)
    .replace(/<(https?:\/\/[^>\s]+)>/g, "[$1]($1)")
    .replace(VOID, (_m, tag: string, attrs = "") => `<${tag.toLowerCase()}${attrs.replace(/\s+$/, "")} />`)
    .replace(/<(?=\/?([a-zA-Z][\w-]*)?)/g, (lt, name?: string) => (name && HTML.has(name.toLowerCase()) ? lt : "\\<"));
}

/** Each line's text outside `inline code` escaped; code spans left as written. */
function escapeOutsideCode(text: string): string {
  return text
    .split("\n")
    .map((line) =>
      line
        .split(/(`+[^`]*?`+)/)
        .map((part, i) => (i % 2 ? part : escapeText(part)))
        .join(""),
    )
    .join("\n");
}

const port = (host: string, number: string) => `“Open port ${number}”${host && host !== "1" ? ` (on node${host})` : ""}`;

/** Links to {{TRAFFIC_HOST1_80}} (and Katacoda's [[HOST_SUBDOMAIN]]-80-… addresses) become directions to the web preview. */
function trafficLinks(text: string, where: string, notes: Notes): string {
  const address = String.raw`(?:\{\{TRAFFIC_HOST(\d+)_(\d+)\}\}|https?://\[\[HOST(\d*)_SUBDOMAIN\]\]-(\d+)-\[\[KATACODA_HOST\]\]\.environments\.katacoda\.com)(/[^)\s]*)?`;
  const mapped = (host: string, number: string, rest = "") => {
    notes.add("mapped", where, `the link to port ${number} points to Dockyard's web preview (${port(host, number)} under the terminal)`);
    return `${port(host, number)} under the terminal (the web preview)${rest && rest !== "/" ? `, then the path \`${rest}\`` : ""}`;
  };
  return text
    .replace(
      new RegExp(String.raw`\[([^\]]*)\]\(${address}\)`, "g"),
      (_m, label: string, h1, p1, h2, p2, rest) => `**${label.trim()}**: ${mapped(h1 ?? h2, p1 ?? p2, rest)}`,
    )
    .replace(new RegExp(address, "g"), (_m, h1, p1, h2, p2, rest) => mapped(h1 ?? h2, p1 ?? p2, rest))
    .replace(/\[([^\]]*)\]\(\{\{TRAFFIC_SELECTOR\}\}\)|\{\{TRAFFIC_SELECTOR\}\}/g, (_m, label?: string) => {
      notes.add("mapped", where, "the port selector points to the web preview's port links under the terminal");
      return `${label ? `**${label.trim()}**: ` : ""}the “Open port …” links under the terminal (the web preview)`;
    });
}

/** One prose block of a page, as MDX. */
export function convertProse(text: string, where: string, notes: Notes): string {
  let out = text.replace(/<!--[\s\S]*?-->/g, "");
  out = trafficLinks(out, where, notes);
  const leftover = out.match(/\{\{[^}]*\}\}|\[\[[A-Z_]+\]\]/g);
  if (leftover) notes.add("todo", where, `Killercoda placeholders Dockyard does not know, kept as text: ${[...new Set(leftover)].join(", ")}`);
  return escapeOutsideCode(out);
}
