import Dockerode from "dockerode";
import { nodeNames, type BootStage } from "@dockyard/contract/server";
import { DriverError, type DriverErrorCode, type Sandbox, type SandboxSpec } from "../driver";
import { decodeLogs } from "../logs";
import { createRegistry, labRegistry, registryAnswers, registryContainerName } from "../registry";
import { delegateToNode } from "./cgroups";
import { containersMemoryBytes, type DockerContext } from "./context";
import { asDriverError, errorMessage, inspectContainer, sleep, statusOf } from "./engine";
import { execIn } from "./exec";
import { checkHostPrerequisites, innerEngineAnswers, nodeFailure, nodeReported, secureInnerSocket, trustedInnerSocket } from "./host";
import { findLabs, markSuspended, removeLab } from "./inventory";
import { LABEL, networkName, nodeContainer } from "./naming";
import { createNode } from "./node";
import { INSIDE } from "./paths";
import { restartLab, stopLab } from "./suspension";

// A lab's boot, stage by stage (BOOT_STAGES): its network, its containers (every node, and the registry), the
// host handing each node its cgroups and disk, each node's inner engine, its course images. Every stage runs on
// all nodes at once; the lab moves to the next stage when each node has passed it. A boot that fails removes
// what it made and says at which stage, with the last lines each node and its inner dockerd logged. A suspended
// lab is resumed through the same stages: its containers are started again instead of made (suspension.ts), and
// a resume that fails leaves it suspended, never removed: the learner's work is in it.

type OnStage = (stage: BootStage, detail?: string) => void;

/** How a boot may fail, besides boot_failed. */
const BOOT_FAILURES = new Set<DriverErrorCode>(["engine_down", "host_not_prepared", "image_missing", "no_subnet", "boot_timeout"]);

/** `owner`: the labels its nodes carry to say whose they are; the spec's learner and lesson unless given (a pooled node's: pool.ts). */
export async function bootLab(context: DockerContext, id: string, spec: SandboxSpec, onStage?: OnStage, owner?: Record<string, string>): Promise<Sandbox> {
  const { docker, settings } = context;
  let stage: BootStage | "check" = "check";
  const enter = (s: BootStage, detail?: string) => {
    stage = s;
    try {
      onStage?.(s, detail);
    } catch {
      // a watcher's bug must not break the boot
    }
  };
  const nodes = nodeNames(spec.nodes ?? 1);
  const containers = nodes.map((node) => nodeContainer(id, node));
  const onEvery = (step: (container: string) => Promise<unknown>) => Promise.all(containers.map(step));
  const registry = () => labRegistry(docker, id, networkName(id));
  let resuming: Date | undefined; // when the lab being resumed was suspended
  try {
    const existing = (await findLabs(context, id)).get(id);
    if (existing?.running && (await isReady(context, existing, spec, containers))) {
      enter("ready", "already running");
      return existing;
    }
    if (existing?.suspendedAt && (await resumable(context, existing, spec, nodes))) resuming = existing.suspendedAt;
    else if (existing || (await registry())) await removeLab(context, id); // half-started, dead or reshaped: start over
    await checkHostPrerequisites(context, spec.images);
    const deadline = Date.now() + settings.bootTimeoutMs;
    const waitFor = (container: string, what: string, probe: () => Promise<boolean>) => waitForNode(context, container, deadline, what, probe);

    enter("network", resuming && "resuming your lab");
    const network = await context.networks.ensure(id);
    enter("container", network.subnet);
    if (resuming) await restartLab(context, id, nodes, spec.registry ? registryContainerName(id) : undefined);
    else {
      const labels = owner ?? { [LABEL.lab]: id, [LABEL.learner]: spec.learnerId, [LABEL.lesson]: spec.lessonSlug, [LABEL.created]: new Date().toISOString() };
      await Promise.all([
        ...nodes.map((node) => createNode(context, id, node, spec, network.name, labels)),
        spec.registry ? startRegistry(context, id, network.name, labels) : undefined,
      ]);
    }
    enter("delegate");
    await onEvery(async (container) => {
      const pid = (await inspectContainer(docker, container))?.State.Pid;
      if (!pid) throw new DriverError("boot_failed", "the sandbox container is not running");
      await delegateToNode(pid, context.disks, container, containersMemoryBytes(settings));
      await execIn(docker, container, ["touch", INSIDE.hostSetupDone], { timeoutMs: 10_000 });
    });
    enter("engine");
    await Promise.all([
      onEvery(async (container) => {
        await waitFor(container, "the inner Docker engine", () => innerEngineAnswers(context, container));
        await secureInnerSocket(context, container);
      }),
      spec.registry ? waitForRegistry(context, id, deadline) : undefined,
    ]);
    if (spec.registry) await onEvery((container) => handRegistryPassword(context, id, container));
    enter("images");
    await onEvery(async (container) => {
      await waitFor(container, "course images to load", () => nodeReported(context, container));
      await verifyImages(context, container, spec.images);
    });
    const sandbox = (await findLabs(context, id)).get(id);
    if (!sandbox?.running) throw new DriverError("boot_failed", "a node of the lab stopped");
    enter("ready");
    return resuming ? { ...sandbox, resumedFrom: resuming } : sandbox;
  } catch (err) {
    const diagnostics = (await Promise.all(nodes.map((node, i) => diagnosticsOf(context, containers[i]!, nodes.length > 1 ? node : "")))).join("");
    const suspendedAt = resuming;
    if (suspendedAt)
      await stopLab(context, id)
        .then(() => markSuspended(context, id, suspendedAt))
        .catch(() => undefined);
    else await removeLab(context, id).catch(() => undefined);
    const { code } = asDriverError(err, "boot_failed");
    const failed = `sandbox ${id} failed to ${resuming ? "resume" : "boot"} (stage ${stage})`;
    throw new DriverError(BOOT_FAILURES.has(code) ? code : "boot_failed", `${failed}: ${errorMessage(err)}${diagnostics}`, { cause: err });
  }
}

/** The suspended lab has the nodes the spec asks, and a registry if it asks for one: it can be resumed as it is. */
async function resumable({ docker }: DockerContext, existing: Sandbox, spec: SandboxSpec, nodes: string[]): Promise<boolean> {
  const registry = await inspectContainer(docker, registryContainerName(existing.id));
  return existing.nodes.join() === nodes.join() && Boolean(spec.registry) === Boolean(registry);
}

/** The running lab is what the spec asks (as many nodes, a registry or none) and every node is ready. */
async function isReady(context: DockerContext, existing: Sandbox, spec: SandboxSpec, containers: string[]): Promise<boolean> {
  const hasRegistry = async () => Boolean(await labRegistry(context.docker, existing.id, networkName(existing.id)));
  if (existing.nodes.length !== containers.length || Boolean(spec.registry) !== (await hasRegistry())) return false;
  const ready = async (container: string) => {
    if (!(await nodeReported(context, container))) return false;
    await new Dockerode({ socketPath: trustedInnerSocket(context, container) }).ping();
    return true;
  };
  try {
    return (await Promise.all(containers.map(ready))).every(Boolean);
  } catch {
    return false;
  }
}

/** Polls `probe` until true; fails fast when the entry script reported failure or the container died. */
async function waitForNode(context: DockerContext, container: string, deadline: number, what: string, probe: () => Promise<boolean>): Promise<void> {
  let nextInspect = Date.now() + 500;
  for (;;) {
    if (await probe()) return;
    const failure = await nodeFailure(context, container);
    if (failure) throw new DriverError("boot_failed", failure.trim());
    if (Date.now() >= nextInspect) {
      nextInspect = Date.now() + 500;
      const info = await inspectContainer(context.docker, container);
      if (!info?.State.Running) throw new DriverError("boot_failed", `the sandbox exited (exit code ${info?.State.ExitCode ?? "?"})`);
    }
    if (Date.now() >= deadline) throw new DriverError("boot_timeout", `timed out waiting for ${what} after ${context.settings.bootTimeoutMs} ms`);
    await sleep(50);
  }
}

async function verifyImages(context: DockerContext, container: string, images: string[]): Promise<void> {
  const inner = new Dockerode({ socketPath: trustedInnerSocket(context, container) });
  for (const name of images) {
    const ref = name.includes(":") ? name : `${name}:latest`;
    try {
      await inner.getImage(ref).inspect();
    } catch {
      throw new DriverError("image_missing", `course image ${ref} was not loaded into the sandbox (is it under content/images? run: bash scripts/images.sh)`);
    }
  }
}

async function startRegistry({ docker, settings }: DockerContext, id: string, network: string, labels: Record<string, string>): Promise<void> {
  try {
    await createRegistry(docker, id, { image: settings.registryImage, networkName: network, labels: { ...labels, [LABEL.registry]: "1" } });
  } catch (err) {
    if (statusOf(err) === 404) throw new DriverError("image_missing", `image ${settings.registryImage} is missing (run: bash scripts/images.sh)`);
    throw err;
  }
}

async function waitForRegistry({ docker, settings }: DockerContext, id: string, deadline: number): Promise<void> {
  for (;;) {
    const registry = await labRegistry(docker, id, networkName(id));
    if (!registry) throw new DriverError("boot_failed", "the lab's registry stopped");
    if (await registryAnswers(registry)) return;
    if (Date.now() >= deadline) throw new DriverError("boot_timeout", `timed out waiting for the lab's registry after ${settings.bootTimeoutMs} ms`);
    await sleep(100);
  }
}

/** The learner's registry password also lives on every node, so that scripts (and lessons:test) can log in with it. */
async function handRegistryPassword({ docker }: DockerContext, id: string, container: string): Promise<void> {
  const registry = await labRegistry(docker, id, networkName(id));
  if (!registry) throw new DriverError("boot_failed", "the lab's registry stopped");
  const write = await execIn(docker, container, ["sh", "-c", `umask 077 && mkdir -p /run/dockyard && cat > ${INSIDE.registryPassword}`], {
    timeoutMs: 10_000,
    stdin: registry.password,
  });
  if (write.exitCode !== 0) throw new DriverError("boot_failed", `could not hand the registry password to the node: ${write.output}`);
}

async function diagnosticsOf({ docker }: DockerContext, container: string, which: string): Promise<string> {
  const parts: string[] = [];
  const of = which ? ` of ${which}` : "";
  try {
    const logs = await docker.getContainer(container).logs({ stdout: true, stderr: true, tail: 15 });
    const text = decodeLogs(logs).trim();
    if (text) parts.push(`sandbox output${of}:\n${text}`);
    const inner = await execIn(docker, container, ["tail", "-n", "15", "/var/log/dockerd.log"], { timeoutMs: 3_000 });
    if (inner.output.trim()) parts.push(`inner dockerd log${of}:\n${inner.output.trim()}`);
  } catch {
    // the container may be gone already; the error message says enough then
  }
  return parts.length ? `\n${parts.join("\n")}` : "";
}
