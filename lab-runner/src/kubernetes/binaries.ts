import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

// The Kubernetes binaries a cluster lab mounts, built by scripts/kubernetes/build.sh into a cache keyed by their
// versions. The first Kubernetes lab on a server that has none builds them (minutes), telling its learner how far the
// build is; every lab that asks meanwhile waits for the same build. An admin builds ahead with `npm run kubernetes:build`.

export const BUILD_SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../scripts/kubernetes/build.sh");

export class KubernetesBinaries {
  private building?: Promise<string>;
  private readonly listeners = new Set<(line: string) => void>();

  constructor(private readonly script: string = BUILD_SCRIPT) {}

  /** The host directory of the binaries, built first if the cache has none; `onProgress` hears the build's steps. */
  async directory(onProgress?: (line: string) => void): Promise<string> {
    const cached = await run(this.script, ["--path"]).catch(() => undefined);
    if (cached) return cached;
    if (onProgress) this.listeners.add(onProgress);
    try {
      this.building ??= run(this.script, [], (line) => this.listeners.forEach((listen) => listen(line))).finally(() => (this.building = undefined));
      return await this.building;
    } finally {
      if (onProgress) this.listeners.delete(onProgress);
    }
  }
}

/** Runs the script; resolves with the last line it printed on stdout, rejects with the end of what it said on stderr. */
function run(script: string, args: string[], onLine?: (line: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [script, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => {
      err += chunk.toString();
      const lines = err.split("\n");
      err = lines.slice(-40).join("\n");
      for (const line of chunk.toString().split("\n")) {
        const step = line.match(/^\[kubernetes\] (.+)$/);
        if (step?.[1] && onLine) onLine(step[1]);
      }
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const last = out.trim().split("\n").pop();
      if (code === 0 && last) resolve(last);
      else reject(new Error(`building the Kubernetes binaries failed (${script}, exit ${code}): ${err.trim().split("\n").slice(-3).join(" ")}`));
    });
  });
}
