import type Dockerode from "dockerode";
import type { ContainerCheck, CriterionResult } from "@dockyard/contract/server";
import type { JudgeContext } from "./context";
import { decodeLogs } from "../sandbox/logs";
import { capitalize, criterion, labelCriteria, quote, showPort, unlessMissing } from "./criteria";

type Container = Dockerode.ContainerInspectInfo;

/** Containers judged when only an image is named: the most recent ones. */
const MAX_CANDIDATES = 20;

/** "busybox" and "busybox:latest" name the same image; a digest or id is compared as given. */
export function sameImage(wanted: string, actual: string): boolean {
  const norm = (ref: string) => (/^(sha256:)?[0-9a-f]{12,64}$/.test(ref) || /[:@][^/]*$/.test(ref) ? ref : `${ref}:latest`);
  return norm(wanted) === norm(actual);
}

/** The container with exactly this name (the Engine would also accept an id prefix). */
export async function findContainer(docker: JudgeContext["docker"], name: string): Promise<Container | undefined> {
  const info = await unlessMissing(docker.getContainer(name).inspect());
  return info?.Name === `/${name}` ? info : undefined;
}

export const noSuchContainer = (name: string) => `No container named “${name}” exists yet.`;

/** Host ports a container port is published on: live bindings while it runs, else the configured ones. */
export function publishedOn(info: Container, port: string): string[] | undefined {
  const live = info.NetworkSettings?.Ports?.[port];
  const configured = (info.HostConfig?.PortBindings as Record<string, { HostPort: string }[] | null> | undefined)?.[port];
  const bindings = live?.length ? live : configured;
  if (!bindings?.length) return undefined;
  return [...new Set(bindings.map((b) => b.HostPort).filter(Boolean))];
}

export async function judgeContainer(check: ContainerCheck, ctx: JudgeContext): Promise<CriterionResult[]> {
  const wantedImageId = check.image ? (await unlessMissing(ctx.docker.getImage(check.image).inspect()))?.Id : undefined;
  const fromImage = (image: string, imageId: string) => sameImage(check.image!, image) || (wantedImageId !== undefined && imageId === wantedImageId);

  if (check.name) {
    const info = await findContainer(ctx.docker, check.name);
    if (!info) return [criterion("container exists", false, noSuchContainer(check.name))];
    const subject = `the container “${check.name}”`;
    const results = [criterion("container exists", true, `A container named “${check.name}” exists.`)];
    if (check.image) {
      const matches = fromImage(info.Config.Image, info.Image);
      results.push(
        criterion(
          `image ${check.image}`,
          matches,
          `${capitalize(subject)} runs the image ${matches ? check.image : `${info.Config.Image}, not ${check.image}`}.`,
        ),
      );
    }
    return [...results, ...(await stateCriteria(check, ctx, info, subject))];
  }

  const listed = (await ctx.docker.listContainers({ all: true })).filter((c) => fromImage(c.Image, c.ImageID)).slice(0, MAX_CANDIDATES);
  const candidates = (await Promise.all(listed.map((c) => unlessMissing(ctx.docker.getContainer(c.Id).inspect())))).filter((c) => c !== undefined);
  if (!candidates.length) return [criterion("container exists", false, `No container from the image ${check.image} has run yet.`)];
  // Several containers may come from the image: report on the one that meets the most criteria.
  const score = (results: CriterionResult[]) => results.filter((c) => c.passed).length;
  let best: CriterionResult[] = [];
  for (const [i, info] of candidates.entries()) {
    const results = await stateCriteria(check, ctx, info, `the ${check.image} container`);
    if (i === 0 || score(results) > score(best)) best = results;
    if (results.every((c) => c.passed)) break;
  }
  return [criterion("container exists", true, `A container from the image ${check.image} exists.`), ...best];
}

async function stateCriteria(check: ContainerCheck, ctx: JudgeContext, info: Container, subject: string): Promise<CriterionResult[]> {
  const Subject = capitalize(subject);
  const results: CriterionResult[] = [];
  const state = info.State.Status;

  if (check.status !== "any") {
    const ok = state === check.status;
    results.push(criterion(`container ${check.status}`, ok, ok ? `${Subject} is ${state}.` : `${Subject} is ${state}, not ${check.status}.`));
  }

  if (check.label) results.push(...labelCriteria(subject, info.Config.Labels, check.label));

  if (check.publishedPort) {
    const port = showPort(check.publishedPort);
    const hostPorts = publishedOn(info, check.publishedPort);
    const name = check.hostPort ? `port ${port} published on ${check.hostPort}` : `port ${port} published`;
    if (!hostPorts)
      results.push(criterion(name, false, `${Subject} does not publish port ${port}; start it with -p ${check.hostPort ?? "HOST_PORT"}:${port}.`));
    else if (check.hostPort && !hostPorts.includes(String(check.hostPort)))
      results.push(criterion(name, false, `${Subject} publishes port ${port} on host port ${hostPorts.join(", ") || "(random)"}, not ${check.hostPort}.`));
    else results.push(criterion(name, true, `${Subject} publishes port ${port}${hostPorts.length ? ` on host port ${hostPorts.join(", ")}` : ""}.`));
  }

  for (const [key, value] of check.env ?? []) {
    const found = info.Config.Env?.find((e) => e.startsWith(`${key}=`))?.slice(key.length + 1);
    results.push(
      criterion(
        `env ${key}`,
        found === value,
        found === value
          ? `${Subject} has ${key}=${value}.`
          : found === undefined
            ? `${Subject} has no environment variable ${key}; set it with -e ${key}=${value}.`
            : `${Subject} has ${key}=${found}, not ${key}=${value}.`,
      ),
    );
  }

  if (check.exitCode !== undefined) {
    const name = `exit code ${check.exitCode}`;
    if (state === "created") results.push(criterion(name, false, `${Subject} has not been started yet.`));
    else if (info.State.Running) results.push(criterion(name, false, `${Subject} is still running, so it has no exit code yet.`));
    else {
      const ok = info.State.ExitCode === check.exitCode;
      results.push(
        criterion(
          name,
          ok,
          ok ? `${Subject} exited with code ${check.exitCode}.` : `${Subject} exited with code ${info.State.ExitCode}, not ${check.exitCode}.`,
        ),
      );
    }
  }

  if (check.logsContain !== undefined) {
    const raw = (await ctx.docker.getContainer(info.Id).logs({ stdout: true, stderr: true, tail: 2000 })) as unknown as Buffer;
    const output = decodeLogs(raw);
    const hit = output.includes(check.logsContain);
    results.push(
      criterion(
        "output",
        hit,
        hit
          ? `The output of ${subject} contains “${check.logsContain}”.`
          : output.trim()
            ? `${Subject} ran, but its output was ${quote(output)}, which does not contain “${check.logsContain}”.`
            : `${Subject} printed nothing; its output should contain “${check.logsContain}”.`,
      ),
    );
  }
  return results;
}
