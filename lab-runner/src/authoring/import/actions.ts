import type { Notes } from "./notes";

// Killercoda's markdown actions, read line by line before any markdown parser sees the text (a closing fence
// followed by {{exec}} is not a fence to CommonMark): ```…```{{exec}} runs in the terminal, {{exec interrupt}}
// presses Ctrl-C first, {{copy}} copies; Katacoda wrote {{execute}}, and `cmd`{{exec}} inline. The result is
// prose and code blocks, code already in Dockyard's terms (```sh run, ```sh run interrupt, ```sh).

export type Block = { kind: "prose"; text: string } | { kind: "code"; lang: string; meta: string[]; body: string };

/** The address a {{TRAFFIC_HOST1_80}} stands for, seen from inside the node (commands and scripts run there). */
export const LOCAL_TRAFFIC = /\{\{TRAFFIC_HOST(\d+)_(\d+)\}\}|https?:\/\/\[\[HOST(\d*)_SUBDOMAIN\]\]-(\d+)-\[\[KATACODA_HOST\]\]\.environments\.katacoda\.com/g;
export const localAddresses = (text: string) => text.replace(LOCAL_TRAFFIC, (_m, _h1, p1, _h2, p2) => `http://localhost:${p1 ?? p2}`);

const ACTION = /\{\{\s*(exec|execute|copy)((?:\s+[\w-]+)*)\s*\}\}/;
const OPEN = /^ {0,3}(`{3,}|~{3,})\s*([^\s`{]*)[^`]*$/;
const SHELL = new Set(["", "sh", "bash", "shell", "console", "plain", "text", "none"]);

/** The Dockyard code block for a Killercoda action ("" for none). */
function codeFor(lang: string, action: string | undefined, flags: string[], body: string, where: string, notes: Notes): Block {
  const shellLang = SHELL.has(lang) ? "sh" : lang;
  if (flags.some((f) => /^T\d+$/i.test(f)))
    notes.add("differs", where, `{{${action} ${flags.join(" ")}}}: Dockyard has one terminal per node, so it runs in the step's node's terminal`);
  if (action === "exec" || action === "execute") {
    if (!SHELL.has(lang)) notes.add("differs", where, `a \`\`\`${lang} block with {{${action}}} became a shell run block`);
    return { kind: "code", lang: "sh", meta: flags.includes("interrupt") ? ["run", "interrupt"] : ["run"], body: localAddresses(body) };
  }
  if (action === "copy") return { kind: "code", lang: shellLang, meta: [], body: localAddresses(body) };
  return { kind: "code", lang, meta: [], body };
}

/** Splits a page's markdown into prose and code blocks, with every action converted. */
export function readActions(markdown: string, where: string, notes: Notes): Block[] {
  const blocks: Block[] = [];
  let prose: string[] = [];
  const flush = () => {
    if (prose.length) blocks.push({ kind: "prose", text: prose.join("\n") });
    prose = [];
  };
  const lines = markdown.replace(/\r\n?/g, "\n").split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const open = OPEN.exec(line);
    if (open) {
      const fence = open[1]!;
      const close = new RegExp(`^ {0,3}${fence[0] === "`" ? "`" : "~"}{${fence.length},}\\s*(.*)$`);
      const body: string[] = [];
      let j = i + 1;
      let closing: RegExpExecArray | null = null;
      for (; j < lines.length; j++)
        if ((closing = close.exec(lines[j]!))) break;
        else body.push(lines[j]!);
      const action = ACTION.exec(closing?.[1] ?? "");
      flush();
      blocks.push(codeFor(open[2]!.toLowerCase(), action?.[1], action?.[2]?.trim().split(/\s+/).filter(Boolean) ?? [], body.join("\n"), where, notes));
      const after = (closing?.[1] ?? "").replace(ACTION, "").trim();
      if (after) prose.push(after);
      i = j;
      continue;
    }
    prose.push(...inlineActions(line, where, notes, (block) => (flush(), blocks.push(block))));
  }
  flush();
  return blocks;
}

/** `cmd`{{exec}} in a line: the line keeps `cmd` (or goes, when that was all of it) and a run block follows it. */
function inlineActions(line: string, where: string, notes: Notes, emit: (block: Block) => void): string[] {
  const inline = new RegExp("(`+)([^`]+?)\\1" + ACTION.source, "g");
  const runs: Block[] = [];
  const text = line.replace(inline, (_m, ticks: string, code: string, action: string, flags: string) => {
    const block = codeFor("sh", action, flags.trim().split(/\s+/).filter(Boolean), code.trim(), where, notes);
    if (action !== "copy") runs.push(block);
    return `${ticks}${code}${ticks}`;
  });
  if (!runs.length) return [text];
  const alone = text.replace(/`+[^`]+`+/g, "").trim() === "";
  if (!alone) {
    emit({ kind: "prose", text });
    notes.add("differs", where, "an inline `command`{{exec}} became a run block below its line");
  }
  runs.forEach(emit);
  return [];
}
