import type Dockerode from "dockerode";
import { DriverError, type DriverErrorCode } from "../driver";

// The Engine API's answers as the driver reads them: a 404 is "not there", a 409 on removal "in progress",
// a refused connection "engine down"; the engine's own message is the one worth showing.

export const statusOf = (err: unknown): number | undefined => (err as { statusCode?: number })?.statusCode;

export function errorMessage(err: unknown): string {
  const json = (err as { json?: { message?: string } })?.json;
  return json?.message ?? (err instanceof Error ? err.message : String(err));
}

/** The error as a DriverError: one already is; a socket nobody answers on is engine_down; anything else `otherwise`. */
export function asDriverError(err: unknown, otherwise: DriverErrorCode = "engine_failed"): DriverError {
  if (err instanceof DriverError) return err;
  const code = (err as NodeJS.ErrnoException)?.syscall === "connect" ? "engine_down" : otherwise;
  return new DriverError(code, err instanceof Error ? err.message : String(err), { cause: err });
}

/** Whatever fails on the way reaches the caller as a DriverError. */
export async function guard<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    throw asDriverError(err);
  }
}

export async function inspectContainer(docker: Dockerode, name: string): Promise<Dockerode.ContainerInspectInfo | undefined> {
  try {
    return await docker.getContainer(name).inspect();
  } catch (err) {
    if (statusOf(err) === 404) return undefined;
    throw err;
  }
}

export async function removeContainer(docker: Dockerode, name: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      await docker.getContainer(name).remove({ force: true, v: true });
      return;
    } catch (err) {
      if (statusOf(err) === 404) return;
      if (statusOf(err) !== 409) throw err; // 409: removal already in progress
      await sleep(200);
    }
  }
  throw new DriverError("engine_failed", `could not remove sandbox container ${name}`);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
