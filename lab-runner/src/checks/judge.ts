import type Dockerode from "dockerode";
import type { Check, ContainerCheck, ScriptCheck } from "../lessons/schema";
import type { CheckResult, CriterionResult } from "../shared/types";
import type { ExecResult } from "../sandbox/driver";
import { decodeLogs } from "../sandbox/logs";

// The one place a check is judged. Checks look at the sandbox's real state (its inner Engine API, or a
// script run inside it), never at what the learner typed, so an alias or a fake `docker` cannot fool them.

export interface JudgeContext {
  /** Engine API of the sandbox's inner dockerd. */
  docker: Pick<Dockerode, "listContainers" | "getContainer" | "getImage">;
  /** Runs a command inside the sandbox. */
  exec(cmd: string[], opts: { timeoutMs: number }): Promise<ExecResult>;
}

const MAX_MESSAGE = 2000;

/** "busybox" and "busybox:latest" name the same image; a digest or id is compared as given. */
export function sameImage(wanted: string, actual: string): boolean {
  const norm = (ref: string) => (/^(sha256:)?[0-9a-f]{12,64}$/.test(ref) || /[:@][^/]*$/.test(ref) ? ref : `${ref}:latest`);
  return norm(wanted) === norm(actual);
}

async function imageId(docker: JudgeContext["docker"], ref: string): Promise<string | undefined> {
  try {
    return (await docker.getImage(ref).inspect()).Id;
  } catch {
    return undefined;
  }
}

const quote = (text: string) => {
  const flat = text.trim().replace(/\s+/g, " ");
  return flat.length > 80 ? `“${flat.slice(0, 77)}…”` : `“${flat}”`;
};

async function judgeContainer(check: ContainerCheck, ctx: JudgeContext): Promise<CriterionResult[]> {
  const wantedId = await imageId(ctx.docker, check.image);
  const all = await ctx.docker.listContainers({ all: true });
  const fromImage = all.filter((c) => sameImage(check.image, c.Image) || (wantedId !== undefined && c.ImageID === wantedId));
  const named = check.name ? fromImage.filter((c) => c.Names.some((n) => n.replace(/^\//, "") === check.name)) : fromImage;
  const results: CriterionResult[] = [];
  const what = check.name ? `named “${check.name}” ` : "";
  results.push(
    named.length
      ? { name: "container exists", passed: true, message: `A container ${what}from the image ${check.image} exists.` }
      : {
          name: "container exists",
          passed: false,
          message: fromImage.length
            ? `Containers from ${check.image} exist, but none is named “${check.name}”.`
            : `No container from the image ${check.image} has run yet.`,
        },
  );
  if (!named.length) return results;

  let candidates = named;
  if (check.status !== "any") {
    const wanted = check.status;
    candidates = named.filter((c) => c.State === wanted);
    results.push({
      name: `container ${wanted}`,
      passed: candidates.length > 0,
      message: candidates.length
        ? `It is ${wanted}.`
        : `It is ${named[0]!.State}, not ${wanted}.`,
    });
    if (!candidates.length) return results;
  }

  if (check.logsContain !== undefined) {
    const outputs: string[] = [];
    for (const c of candidates) {
      const raw = (await ctx.docker.getContainer(c.Id).logs({ stdout: true, stderr: true, tail: 2000 })) as unknown as Buffer;
      outputs.push(decodeLogs(raw));
    }
    const hit = outputs.some((o) => o.includes(check.logsContain!));
    const seen = outputs.find((o) => o.trim()) ?? "";
    results.push({
      name: "output",
      passed: hit,
      message: hit
        ? `Its output contains “${check.logsContain}”.`
        : seen
          ? `Its output was ${quote(seen)}, which does not contain “${check.logsContain}”.`
          : `It printed nothing; its output should contain “${check.logsContain}”.`,
    });
  }
  return results;
}

async function judgeScript(check: ScriptCheck, ctx: JudgeContext): Promise<CriterionResult[]> {
  const { exitCode, output } = await ctx.exec(["bash", "-c", check.script], { timeoutMs: check.timeoutSeconds * 1000 });
  const message = output.trim().slice(-MAX_MESSAGE) || (exitCode === 0 ? "Done." : `Not yet (exit code ${exitCode}).`);
  return [{ name: check.title ?? "script", passed: exitCode === 0, message }];
}

export async function judge(checks: Check[], ctx: JudgeContext): Promise<CheckResult> {
  const criteria: CriterionResult[] = [];
  for (const check of checks) {
    try {
      criteria.push(...(check.kind === "container" ? await judgeContainer(check, ctx) : await judgeScript(check, ctx)));
    } catch (e) {
      criteria.push({ name: check.kind, passed: false, message: `The check could not run: ${(e as Error).message}` });
    }
  }
  const failed = criteria.filter((c) => !c.passed);
  return {
    passed: criteria.length > 0 && failed.length === 0,
    message: failed.length ? failed.map((c) => c.message).join(" ") : "Well done: every part of this step is complete.",
    criteria,
  };
}
