import type { NetworkCheck, CriterionResult } from "@dockyard/contract/server";
import type { JudgeContext } from "./context";
import { findContainer, noSuchContainer } from "./container";
import { criterion, existence, unlessMissing } from "./criteria";

export async function judgeNetwork(check: NetworkCheck, ctx: JudgeContext): Promise<CriterionResult[]> {
  const { name } = check;
  const found = await unlessMissing(ctx.docker.getNetwork(name).inspect());
  const info = found?.Name === name ? found : undefined; // the Engine would also resolve an id prefix
  const results = existence("network", name, Boolean(info), check.exists);
  if (!info || !check.exists) return results;
  if (check.driver) {
    const ok = info.Driver === check.driver;
    results.push(
      criterion(
        `driver ${check.driver}`,
        ok,
        ok ? `The network “${name}” uses the ${check.driver} driver.` : `The network “${name}” uses the ${info.Driver} driver, not ${check.driver}.`,
      ),
    );
  }
  for (const member of check.containers ?? []) {
    const container = await findContainer(ctx.docker, member);
    const networks = Object.keys(container?.NetworkSettings?.Networks ?? {});
    const attached = networks.includes(name);
    results.push(
      criterion(
        `${member} on ${name}`,
        attached,
        !container
          ? noSuchContainer(member)
          : attached
            ? `The container “${member}” is attached to “${name}”.`
            : `The container “${member}” is not attached to “${name}” (it is on ${networks.join(", ") || "no network"}); use --network ${name} or docker network connect ${name} ${member}.`,
      ),
    );
  }
  return results;
}
