import type { VolumeCheck, CriterionResult } from "@dockyard/contract/server";
import type { JudgeContext } from "./context";
import { findContainer, noSuchContainer } from "./container";
import { criterion, existence, labelCriteria, unlessMissing } from "./criteria";

export async function judgeVolume(check: VolumeCheck, ctx: JudgeContext): Promise<CriterionResult[]> {
  const { name } = check;
  const info = await unlessMissing(ctx.docker.getVolume(name).inspect());
  const results = existence("volume", name, Boolean(info), check.exists);
  if (!info || !check.exists) return results;
  if (check.label) results.push(...labelCriteria(`the volume “${name}”`, info.Labels, check.label));
  if (check.mountedBy) {
    const user = check.mountedBy;
    const container = await findContainer(ctx.docker, user);
    const mount = container?.Mounts.find((m) => m.Type === "volume" && m.Name === name);
    const others = container?.Mounts.filter((m) => m.Type === "volume").map((m) => `${m.Name} at ${m.Destination}`) ?? [];
    results.push(
      criterion(
        `mounted by ${user}`,
        mount !== undefined,
        !container
          ? noSuchContainer(user)
          : mount
            ? `The container “${user}” mounts the volume “${name}” at ${mount.Destination}.`
            : `The container “${user}” does not mount the volume “${name}” (${others.length ? `it mounts ${others.join(", ")}` : "it mounts no volume"}); start it with -v ${name}:/some/path.`,
      ),
    );
  }
  return results;
}
