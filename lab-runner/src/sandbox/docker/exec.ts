import { Writable } from "node:stream";
import type Dockerode from "dockerode";
import { dockerCli } from "@dockyard/contract/server";
import { DriverError, type ExecResult } from "../driver";
import { sleep, statusOf } from "./engine";

// Commands in a node: run to completion with their output captured (checks, the editor, the boot itself), or an
// interactive login shell for node-pty (the terminal).

export async function execIn(docker: Dockerode, container: string, cmd: string[], opts: { timeoutMs?: number; stdin?: string } = {}): Promise<ExecResult> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const withStdin = opts.stdin !== undefined;
  const exec = await docker
    .getContainer(container)
    .exec({ Cmd: cmd, AttachStdin: withStdin, AttachStdout: true, AttachStderr: true, Tty: false })
    .catch((err: Error) => {
      // 404: no such container; 409: it is not running
      if (statusOf(err) === 404 || statusOf(err) === 409) throw new DriverError("not_running", err.message, { cause: err });
      throw err;
    });
  const stream = await exec.start({ hijack: true, stdin: withStdin });
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk);
      done();
    },
  });
  docker.modem.demuxStream(stream, sink, sink); // stdout and stderr merged in arrival order
  const ended = new Promise<void>((resolve, reject) => {
    stream.on("end", resolve);
    stream.on("close", resolve);
    stream.on("error", reject);
  });
  if (withStdin) stream.end(opts.stdin); // half-close: the command sees EOF on stdin

  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), timeoutMs)));
  const outcome = await Promise.race([ended, timedOut]).finally(() => clearTimeout(timer));
  if (outcome === "timeout") {
    stream.destroy();
    await killExec(exec);
    throw new DriverError("exec_timeout", `command timed out after ${timeoutMs} ms in sandbox ${container} (killed): ${cmd.join(" ")}`);
  }
  return { exitCode: await exitCodeOf(exec), output: Buffer.concat(chunks).toString("utf8") };
}

/** `docker exec -it … bash -l` through Dockyard's engine, with the client named by DOCKYARD_DOCKER_CLI. */
export function shellCommand(socketPath: string, container: string): { file: string; args: string[]; env: Record<string, string> } {
  return {
    file: dockerCli(),
    args: ["-H", `unix://${socketPath}`, "exec", "-it", "-e", "TERM=xterm-256color", "-w", "/root", container, "bash", "-l"],
    env: {
      PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin",
      HOME: process.env.HOME ?? "/root",
      TERM: "xterm-256color",
      LANG: "C.UTF-8",
    },
  };
}

async function killExec(exec: Dockerode.Exec): Promise<void> {
  try {
    const info = await exec.inspect();
    // ExecInspect reports the host pid; the engine API has no "kill exec" call
    if (info.Running && info.Pid > 0) process.kill(info.Pid, "SIGKILL");
  } catch {
    // already gone
  }
}

async function exitCodeOf(exec: Dockerode.Exec): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const info = await exec.inspect();
    if (!info.Running && info.ExitCode !== null) return info.ExitCode;
    await sleep(20);
  }
  throw new DriverError("engine_failed", "the command's exit code did not become available");
}
