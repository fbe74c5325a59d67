import type { ImageCheck, CriterionResult } from "@dockyard/contract/server";
import type { JudgeContext } from "./context";
import { sameImage } from "./container";
import { criterion, labelCriteria, sameCommandLine, showBytes, showCommandLine, showPort, unlessMissing } from "./criteria";

/**
 * A Dockerfile instruction as the image history records it (CreatedBy). The classic builder writes
 * "/bin/sh -c #(nop)  EXPOSE 5000" for metadata and "/bin/sh -c apt-get …" (after "|N ARG=… " when build
 * args are set) for RUN; BuildKit writes "RUN /bin/sh -c … # buildkit" and "EXPOSE map[5000/tcp:{}]".
 */
export function instructionOf(createdBy: string): string {
  const line = createdBy.trim().replace(/\s*# buildkit$/, "");
  const metadata = line.match(/^\/bin\/sh -c #\(nop\)\s*([\s\S]*)$/);
  if (metadata) return metadata[1]!.trim();
  const run = line.match(/^(?:RUN )?(?:\|\d+ (?:\S+=\S* )*)?\/bin\/sh -c ([\s\S]*)$/);
  return run ? `RUN ${run[1]!.trim()}` : line;
}

/**
 * Whether an instruction is the wanted one: the same keyword and, if the lesson gives any, arguments that
 * contain the wanted ones as whole words ("5000" is in "5000/tcp", "app" is not in "appuser"). JSON
 * punctuation is ignored, since histories print ["a" "b"] for ["a", "b"].
 */
export function sameInstruction(wanted: string, instruction: string): boolean {
  const words = (s: string) =>
    s
      .replace(/[[\]",]/g, " ")
      .trim()
      .split(/\s+/);
  const [wantedKeyword = "", ...wantedArgs] = words(wanted);
  const [keyword = "", ...args] = words(instruction);
  if (keyword.toUpperCase() !== wantedKeyword.toUpperCase()) return false;
  if (!wantedArgs.length) return true;
  const needle = wantedArgs.join(" ").replace(/[.*+?^${}()|\\]/g, "\\$&");
  return new RegExp(`(^|\\W)${needle}($|\\W)`).test(args.join(" "));
}

export async function judgeImage(check: ImageCheck, ctx: JudgeContext): Promise<CriterionResult[]> {
  const ref = check.name;
  const found = await unlessMissing(ctx.docker.getImage(ref).inspect());
  // the Engine would also resolve an id prefix; only a tag counts here
  const info = found?.RepoTags?.some((tag) => sameImage(ref, tag)) ? found : undefined;
  if (!check.exists)
    return [
      info
        ? criterion(`no image ${ref}`, false, `The image ${ref} still exists; remove it with docker rmi ${ref}.`)
        : criterion(`no image ${ref}`, true, `There is no image ${ref}.`),
    ];
  if (!info) return [criterion("image exists", false, `No image named ${ref} exists yet.`)];

  const subject = `the image ${ref}`;
  const results = [criterion("image exists", true, `The image ${ref} exists.`)];
  if (check.label) results.push(...labelCriteria(subject, info.Config.Labels, check.label));

  for (const [field, wanted, actual] of [
    ["CMD", check.cmd, info.Config.Cmd],
    ["ENTRYPOINT", check.entrypoint, info.Config.Entrypoint],
  ] as const) {
    if (wanted === undefined) continue;
    const argv = typeof actual === "string" ? [actual] : actual;
    const ok = sameCommandLine(wanted, argv);
    const shown = Array.isArray(wanted) ? JSON.stringify(wanted) : `“${wanted}”`;
    results.push(criterion(`${field} ${shown}`, ok, ok ? `Its ${field} is ${shown}.` : `The ${field} of ${ref} is ${showCommandLine(argv)}, not ${shown}.`));
  }

  if (check.exposedPort) {
    const exposed = Object.keys(info.Config.ExposedPorts ?? {});
    const port = showPort(check.exposedPort);
    const ok = exposed.includes(check.exposedPort);
    const others = exposed.length ? `it exposes ${exposed.map(showPort).join(", ")}` : "it exposes no port";
    results.push(
      criterion(
        `port ${port} exposed`,
        ok,
        ok ? `The image ${ref} exposes port ${port}.` : `The image ${ref} does not expose port ${port} (${others}); add EXPOSE ${port} to its Dockerfile.`,
      ),
    );
  }

  if (check.layers) {
    const { min, max } = check.layers;
    const count = info.RootFS?.Layers?.length ?? 0;
    const wanted = min !== undefined && max !== undefined ? `${min} to ${max}` : min !== undefined ? `at least ${min}` : `at most ${max}`;
    const ok = (min === undefined || count >= min) && (max === undefined || count <= max);
    results.push(criterion(`${wanted} layers`, ok, `The image ${ref} has ${count} layer${count === 1 ? "" : "s"}${ok ? "." : `; it should have ${wanted}.`}`));
  }

  if (check.dockerfileContains) {
    const history = (await ctx.docker.getImage(ref).history()) as { CreatedBy?: string }[];
    const instructions = history.map((h) => instructionOf(h.CreatedBy ?? ""));
    for (const wanted of check.dockerfileContains) {
      const ok = instructions.some((instruction) => sameInstruction(wanted, instruction));
      results.push(
        criterion(
          `Dockerfile has ${wanted}`,
          ok,
          ok
            ? `The image ${ref} was built with ${wanted}.`
            : `The image ${ref} was not built with an instruction ${wanted}; add it to the Dockerfile and build again.`,
        ),
      );
    }
  }

  if (check.smallerThan !== undefined) results.push(await smallerThan(check.smallerThan, ref, info.Size, ctx));
  return results;
}

async function smallerThan(limit: number | { image: string }, ref: string, size: number, ctx: JudgeContext): Promise<CriterionResult> {
  if (typeof limit === "number") {
    const ok = size < limit;
    return criterion(
      `smaller than ${showBytes(limit)}`,
      ok,
      `The image ${ref} is ${showBytes(size)}${ok ? "." : `; it should be smaller than ${showBytes(limit)}.`}`,
    );
  }
  const other = await unlessMissing(ctx.docker.getImage(limit.image).inspect());
  const name = `smaller than ${limit.image}`;
  if (!other) return criterion(name, false, `There is no image ${limit.image} to compare ${ref} with.`);
  const ok = size < other.Size;
  return criterion(
    name,
    ok,
    `The image ${ref} is ${showBytes(size)} and ${limit.image} is ${showBytes(other.Size)}${ok ? "." : `: ${ref} should be smaller.`}`,
  );
}
