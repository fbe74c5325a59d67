import fs from "node:fs";
import path from "node:path";
import { simpleCommands } from "../image-refs";

// The images a scenario runs (docker run/create/pull, kubectl run --image, image: in manifests, FROM in
// Dockerfiles), and which of them this installation's offline course set has (content/images/<name>/, tagged
// latest and each line of its tags file). Those go in the lesson's `images:`; the others into the report.

const RUN_VALUE_OPTIONS = new Set(
  (
    "-a --attach --add-host --cap-add --cap-drop --cgroup-parent --cidfile --cpus --cpu-shares -c --device --dns --entrypoint -e --env --env-file " +
    "--expose --health-cmd --hostname -h --ip --label -l --link --log-driver --log-opt --memory -m --mount --name --network --net --pid --platform " +
    "-p --publish --pull --restart --runtime --security-opt --shm-size --stop-signal --stop-timeout --tmpfs --ulimit --user -u --volume -v " +
    "--volumes-from --workdir -w --gpus --ipc --uts --userns --memory-swap"
  ).split(" "),
);

function imageOfRun(words: string[]): string | undefined {
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (!w.startsWith("-")) return w;
    if (!w.includes("=") && RUN_VALUE_OPTIONS.has(w)) i++;
  }
  return undefined;
}

/** Image references in shell commands, manifests and Dockerfiles, as written. */
export function imagesIn(text: string): string[] {
  const found: string[] = [];
  for (const words of simpleCommands(text)) {
    const at = words.indexOf("docker");
    if (at >= 0) {
      let i = at + 1;
      if (words[i] === "container" || words[i] === "image") i++;
      if (words[i] === "run" || words[i] === "create") found.push(imageOfRun(words.slice(i + 1)) ?? "");
      if (words[i] === "pull") found.push(words.slice(i + 1).find((w) => !w.startsWith("-")) ?? "");
    }
    if (words.includes("kubectl")) for (const w of words) if (w.startsWith("--image=")) found.push(w.slice("--image=".length));
  }
  for (const m of text.matchAll(/^\s*(?:-\s+)?image:\s*["']?([^\s"'#]+)/gm)) found.push(m[1]!);
  for (const m of text.matchAll(/^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)/gim)) found.push(m[1]!);
  return [...new Set(found.filter((ref) => /^[a-z0-9][\w.\/:@-]*$/.test(ref) && !ref.startsWith("$") && ref.toLowerCase() !== "scratch"))];
}

/** "docker.io/library/nginx:alpine" → ["nginx", "alpine"]. */
export function splitRef(ref: string): [string, string] {
  const name = ref.replace(/@.*$/, "").replace(/^(docker\.io\/)?(library\/)?/, "");
  const colon = name.lastIndexOf(":");
  return colon > name.lastIndexOf("/") ? [name.slice(0, colon), name.slice(colon + 1)] : [name, "latest"];
}

/** The offline course set: image name → its tags. */
export function offlineImages(contentDir: string): Map<string, string[]> {
  const dir = path.join(contentDir, "images");
  const images = new Map<string, string[]>();
  if (!fs.existsSync(dir)) return images;
  for (const d of fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory())) {
    const tagsFile = path.join(dir, d.name, "tags");
    const tags = fs.existsSync(tagsFile)
      ? fs
          .readFileSync(tagsFile, "utf8")
          .split("\n")
          .map((t) => t.trim())
          .filter(Boolean)
      : [];
    images.set(d.name, ["latest", ...tags]);
  }
  return images;
}

/** Splits references into the course images to load (by name) and the references the set lacks. */
export function sortImages(refs: string[], offline: Map<string, string[]>, built: string[] = []): { load: string[]; missing: string[] } {
  const load = new Set<string>();
  const missing: string[] = [];
  for (const ref of refs) {
    const [name, tag] = splitRef(ref);
    if (offline.get(name)?.includes(tag)) load.add(name);
    else if (!built.some((b) => splitRef(b)[0] === name)) missing.push(ref);
  }
  return { load: [...load].sort(), missing };
}
