// Which image names a lesson's shell commands create (docker build -t, tag, commit, pull, import), so the
// linter can tell an image a check expects from one nothing in the lesson ever makes. A reading of the
// command line, not a shell: good enough for the commands a lesson types.

/** Options of docker itself that take a value (as the next word). */
const GLOBAL_VALUE_OPTIONS = ["-H", "--host", "-c", "--context", "-l", "--log-level", "--config"];
/** The subcommands that create an image, with their options that take a value. */
const VALUE_OPTIONS: Record<string, string[]> = {
  build: [
    "-t",
    "--tag",
    "-f",
    "--file",
    "--build-arg",
    "--target",
    "--platform",
    "--label",
    "--network",
    "--secret",
    "--ssh",
    "--progress",
    "--iidfile",
    "--cache-from",
    "--cache-to",
    "-o",
    "--output",
  ],
  commit: ["-a", "--author", "-c", "--change", "-m", "--message"],
  pull: ["--platform"],
  import: ["-c", "--change", "-m", "--message", "--platform"],
  tag: [],
};
/** Management commands whose next word is the subcommand (docker image build, docker buildx build…). */
const GROUPS = new Set(["image", "container", "buildx", "builder"]);
/** Words that may come before the command itself. */
const PREFIXES = new Set(["sudo", "time", "command", "exec", "env"]);

/** Splits a command line into simple commands of words: quotes and backslashes understood, operators split. */
export function simpleCommands(line: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word: string | undefined;
  const endWord = () => {
    if (word !== undefined) words.push(word);
    word = undefined;
  };
  const endCommand = () => {
    endWord();
    if (words.length) commands.push(words);
    words = [];
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "\\" && line[i + 1] === "\n") i++;
    else if (c === "\\") word = (word ?? "") + (line[++i] ?? "");
    else if (c === "'" || c === '"') {
      const end = line.indexOf(c, i + 1);
      word = (word ?? "") + line.slice(i + 1, end < 0 ? undefined : end);
      i = end < 0 ? line.length : end;
    } else if (/[;&|\n()`]/.test(c)) endCommand();
    else if (/\s/.test(c)) endWord();
    else word = (word ?? "") + c;
  }
  endCommand();
  return commands;
}

/** A subcommand's positional arguments and its options with their values (-t app, --tag=app, -tapp). */
function parseArgs(words: string[], valueOptions: string[]): { args: string[]; options: [string, string][] } {
  const args: string[] = [];
  const options: [string, string][] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (!w.startsWith("-") || w === "-") args.push(w);
    else if (w.startsWith("--") && w.includes("=")) options.push([w.slice(0, w.indexOf("=")), w.slice(w.indexOf("=") + 1)]);
    else if (valueOptions.includes(w)) options.push([w, words[++i] ?? ""]);
    else if (!w.startsWith("--") && valueOptions.includes(w.slice(0, 2))) options.push([w.slice(0, 2), w.slice(2)]);
  }
  return { args, options };
}

function imagesOf(words: string[]): string[] {
  let i = words.indexOf("docker") + 1;
  if (i === 0 || !words.slice(0, i - 1).every((w) => PREFIXES.has(w) || /^\w+=/.test(w))) return [];
  while (words[i]?.startsWith("-")) i += GLOBAL_VALUE_OPTIONS.includes(words[i]!) ? 2 : 1;
  if (GROUPS.has(words[i] ?? "")) i++;
  const sub = words[i] ?? "";
  if (!Object.hasOwn(VALUE_OPTIONS, sub)) return [];
  const { args, options } = parseArgs(words.slice(i + 1), VALUE_OPTIONS[sub]!);
  switch (sub) {
    case "build":
      return options.filter(([o]) => o === "-t" || o === "--tag").map(([, v]) => v);
    case "pull":
      return args.slice(0, 1);
    default: // tag SOURCE TARGET, commit CONTAINER REPO, import FILE REPO
      return args.slice(1, 2);
  }
}

/** Image names the commands create, as written (busybox, app:v2, registry:5000/app). */
export function imagesCreatedBy(commands: string[]): string[] {
  return commands.flatMap((command) => simpleCommands(command).flatMap(imagesOf)).filter(Boolean);
}
