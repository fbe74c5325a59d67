import fs from "node:fs/promises";
import fsSync from "node:fs";
import path from "node:path";
import Dockerode from "dockerode";
import { DriverError } from "../driver";
import { errorMessage } from "./engine";
import { isMountPoint } from "./disk";
import type { DockerContext } from "./context";
import type { HostPaths } from "./paths";

// The host's side of a node: what must be in place before a lab boots, and the node's api directory, where its
// entry script reports how the boot goes and its inner dockerd puts its socket.

/** What scripts/engine.sh, images.sh and packages.sh provide; each missing piece is named with the script that makes it. */
export async function checkHostPrerequisites({ docker, settings, paths, disks }: DockerContext, images: string[]): Promise<void> {
  try {
    await docker.ping();
  } catch (err) {
    throw new DriverError(
      "engine_down",
      `Dockyard's engine does not answer on ${settings.socketPath} (run: bash scripts/engine.sh start): ${errorMessage(err)}`,
    );
  }
  if (!(await isMountPoint(paths.sysfsAnchor)))
    throw new DriverError("host_not_prepared", `${paths.sysfsAnchor} is not mounted (run: bash scripts/engine.sh start)`);
  if (!(await disks.poolMounted()))
    throw new DriverError("host_not_prepared", `Dockyard's filesystem for node disks is not mounted at ${paths.nodePool} (run: bash scripts/engine.sh start)`);
  const [missing] = imageSources(paths, images).pulls;
  if (missing && !settings.registryMirror)
    throw new DriverError(
      "image_missing",
      `${paths.courseImageTar(missing)} is missing (is it under content/images? run: bash scripts/images.sh; or load a bundle that holds it: bash scripts/images.sh load FILE) and no registry mirror is configured`,
    );
  if (!(await exists(paths.packages))) throw new DriverError("host_not_prepared", `${paths.packages} is missing (run: bash scripts/packages.sh)`);
}

/**
 * Of a lesson's images, those this host has a tar of (built from content/images or loaded from a bundle by
 * scripts/images.sh), which the node loads, and the others, which it pulls through the registry mirror at boot.
 */
export function imageSources(paths: HostPaths, images: string[]): { tars: string[]; pulls: string[] } {
  const unique = [...new Set(images)];
  const here = (image: string) => fsSync.existsSync(paths.courseImageTar(image));
  return { tars: unique.filter(here), pulls: unique.filter((image) => !here(image)) };
}

// The api dir is root-owned and sticky: the sandbox's (remapped) root can create its socket there but,
// once we chown the socket to host root, can no longer replace it (e.g. by a symlink to a host socket).
export async function prepareNodeDir(context: DockerContext, container: string): Promise<void> {
  await fs.rm(context.paths.nodeDir(container), { recursive: true, force: true });
  await resetApiDir(context, container);
}

/** An empty api dir, so that what a node reported before (its socket, "ready") is not taken for what it reports now. */
export async function resetApiDir({ paths }: DockerContext, container: string): Promise<void> {
  await fs.rm(paths.apiDir(container), { recursive: true, force: true });
  await fs.mkdir(paths.apiDir(container), { recursive: true });
  await fs.chmod(paths.nodeDir(container), 0o755);
  await fs.chmod(paths.apiDir(container), 0o1777);
}

export async function secureInnerSocket({ paths }: DockerContext, container: string): Promise<void> {
  const socketPath = paths.innerSocket(container);
  const st = await fs.lstat(socketPath);
  if (!st.isSocket()) throw new DriverError("untrusted_socket", `${socketPath} is not a socket`);
  await fs.lchown(socketPath, 0, 0);
}

/**
 * The node's inner socket, once secured. It lives in a directory the sandbox can write to: only a socket owned by
 * host root is trusted (we chown it at boot; the sticky bit keeps the sandbox from replacing it afterwards).
 */
export function trustedInnerSocket({ paths }: DockerContext, container: string): string {
  const socketPath = paths.innerSocket(container);
  let st: fsSync.Stats;
  try {
    st = fsSync.lstatSync(socketPath);
  } catch {
    throw new DriverError("not_running", `sandbox ${container} has no inner Docker engine socket (not started?)`);
  }
  if (!st.isSocket() || st.uid !== 0)
    throw new DriverError("untrusted_socket", `refusing the inner Docker socket of sandbox ${container}: not a root-owned socket`);
  return socketPath;
}

export async function innerEngineAnswers({ paths }: DockerContext, container: string): Promise<boolean> {
  const socketPath = paths.innerSocket(container);
  const st = await fs.lstat(socketPath).catch(() => undefined);
  if (!st?.isSocket()) return false;
  try {
    await new Dockerode({ socketPath, timeout: 2_000 }).ping();
    return true;
  } catch {
    return false;
  }
}

/** The node's entry script says it is ready: its course images are loaded. */
export const nodeReported = ({ paths }: DockerContext, container: string) => exists(path.join(paths.apiDir(container), "ready"));

/** What the node's entry script said went wrong, if it did. */
export const nodeFailure = ({ paths }: DockerContext, container: string) => readSmallFile(path.join(paths.apiDir(container), "failed"));

async function exists(file: string): Promise<boolean> {
  return fs.lstat(file).then(
    () => true,
    () => false,
  );
}

// The file lives in a sandbox-writable directory: never follow a symlink, never read much.
async function readSmallFile(file: string): Promise<string | undefined> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(file, fsSync.constants.O_RDONLY | fsSync.constants.O_NOFOLLOW | fsSync.constants.O_NONBLOCK);
    if (!(await handle.stat()).isFile()) return undefined;
    const buffer = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead).toString("utf8");
  } catch {
    return undefined;
  } finally {
    await handle?.close();
  }
}
