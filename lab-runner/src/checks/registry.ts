import type { RegistryCheck, CriterionResult } from "@dockyard/contract/server";
import type { JudgeContext } from "./context";
import { registryGet, REGISTRY_HOST } from "../sandbox/registry";
import { criterion } from "./criteria";

// What the lab's private registry holds, asked through its HTTP API (distribution v2) from the lab-runner,
// with the learner's credentials: a repository exists when it has at least one tag.

export async function judgeRegistry(check: RegistryCheck, ctx: JudgeContext): Promise<CriterionResult[]> {
  const registry = await ctx.registry?.();
  if (!registry) throw new Error("this lab has no running registry (the lesson needs `registry: true`)");
  const { repository, tag } = check;
  const { status, body } = await registryGet(registry, `/v2/${repository}/tags/list`);
  if (status !== 200 && status !== 404) throw new Error(`the registry answered ${status}: ${JSON.stringify(body).slice(0, 200)}`);
  const tags = status === 200 ? ((body as { tags?: string[] | null }).tags ?? []) : [];
  const ref = `${REGISTRY_HOST}/${repository}${tag ? `:${tag}` : ""}`;
  const found = tag ? tags.includes(tag) : tags.length > 0;
  if (!check.exists)
    return [found ? criterion(`no ${ref}`, false, `The registry still has ${ref}.`) : criterion(`no ${ref}`, true, `The registry has no ${ref}.`)];
  if (found) return [criterion(`${ref} pushed`, true, `The registry has ${ref}.`)];
  const push = `tag an image as ${REGISTRY_HOST}/${repository}:${tag ?? "TAG"} and docker push it`;
  return [
    criterion(
      `${ref} pushed`,
      false,
      tags.length
        ? `The registry has ${repository} with the tag(s) ${tags.join(", ")}, but not ${tag}; ${push}.`
        : `The registry has no repository “${repository}” yet; ${push}.`,
    ),
  ];
}
