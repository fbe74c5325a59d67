import { PassThrough, Writable } from "node:stream";
import { Exec, type KubeConfig, type V1Status } from "@kubernetes/client-node";
import { DriverError, type ExecResult } from "../driver";

// Commands in a lab's pod through the API server's exec (a WebSocket, channel protocol v5): run to completion with
// stdout and stderr merged in arrival order, optional stdin, and the exit code the API reports in its closing V1Status.
// The lab-runner never needs the pod network. A command that outlives its time is killed inside the pod by
// `timeout -s KILL` (closing our WebSocket alone would leave it running there).

/** A container of a pod: where a command runs, or whose ports are forwarded. */
export interface PodRef {
  namespace: string;
  name: string;
  container: string;
}

/** Closing the WebSocket after the timeout gives the in-pod `timeout` this long to kill the command first. */
const KILL_GRACE_MS = 2_000;

export async function execInPod(kc: KubeConfig, pod: PodRef, cmd: string[], opts: { timeoutMs?: number; stdin?: string } = {}): Promise<ExecResult> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk);
      done();
    },
  });
  const stdin = opts.stdin === undefined ? null : new PassThrough();
  let status: V1Status | undefined;
  const started = performance.now();
  const socket = await new Exec(kc)
    .exec(pod.namespace, pod.name, pod.container, withTimeout(cmd, timeoutMs), sink, sink, stdin, false, (s) => (status = s))
    .catch((err: unknown) => {
      throw refusalOf(err, pod);
    });
  stdin?.end(opts.stdin); // EOF on stdin once written: v5's close-stream frame, the WebSocket stays open for the output
  const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), timeoutMs + KILL_GRACE_MS)));
  const outcome = await Promise.race([closed, timedOut]).finally(() => clearTimeout(timer));
  const killedInPod = status !== undefined && exitCodeOf(status) === KILLED_BY_TIMEOUT && performance.now() - started >= timeoutMs;
  if (outcome === "timeout" || killedInPod) {
    socket.close();
    throw new DriverError("exec_timeout", `command timed out after ${timeoutMs} ms in pod ${pod.name} (killed): ${cmd.join(" ")}`);
  }
  if (!status) throw new DriverError("engine_failed", `the API server closed the exec in pod ${pod.name} without an exit status`);
  return { exitCode: exitCodeOf(status), output: Buffer.concat(chunks).toString("utf8") };
}

/** `timeout -s KILL` exits 128 + 9 when it killed the command (it signals its own process group, itself too); so does a
 * command the OOM killer ended, hence the elapsed time decides. */
const KILLED_BY_TIMEOUT = 137;

/** The command wrapped so the pod kills it at the timeout (whole seconds, rounded up). */
export function withTimeout(cmd: string[], timeoutMs: number): string[] {
  return ["timeout", "-s", "KILL", String(Math.max(1, Math.ceil(timeoutMs / 1000))), ...cmd];
}

/**
 * The exit code in the V1Status the API sends on the exec's status channel: Success is 0; a non-zero exit is a Failure
 * with reason NonZeroExitCode and the code in details.causes[reason=ExitCode]; any other Failure (the command could not
 * be started, e.g. not found) is reported as 126, as a shell would.
 */
export function exitCodeOf(status: V1Status): number {
  if (status.status === "Success") return 0;
  const code = status.details?.causes?.find((c) => c.reason === "ExitCode")?.message;
  return status.reason === "NonZeroExitCode" && code !== undefined && /^\d+$/.test(code) ? Number(code) : 126;
}

/**
 * A refused WebSocket (exec, port-forward): the pod or its container is not there (404, or 400 "container not found") or
 * the API is down. The client rejects with the WebSocket's ErrorEvent (not an Error): its message says which.
 */
export function refusalOf(err: unknown, pod: PodRef): Error {
  const message = typeof err === "object" && err !== null && "message" in err ? String(err.message) : String(err);
  if (/Unexpected server response: (404|400)/.test(message))
    return new DriverError("not_running", `pod ${pod.namespace}/${pod.name} is not running (${message})`, { cause: err });
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT/.test(message))
    return new DriverError("engine_down", `the Kubernetes API server does not answer (${message})`, { cause: err });
  return err instanceof Error ? err : new DriverError("engine_failed", `the Kubernetes API server refused pod ${pod.name}: ${message}`, { cause: err });
}
