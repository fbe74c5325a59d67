import { execFileSync } from "node:child_process";
import { Writable } from "node:stream";
import { Exec, type V1Status } from "@kubernetes/client-node";
import { kubernetesSettings } from "@dockyard/contract/server";
import { loadKubeConfig } from "./client";
import { exitCodeOf } from "./exec";
import { POD_SHELL } from "./shell";

// A learner's terminal in a pod, run by node-pty (see shell.ts): `shell-bridge NAMESPACE POD CONTAINER`. Its TTY is
// raw both ways; bytes go to and from the API server's exec (tty:true) unchanged, the window size follows SIGWINCH
// (the client sends the TTY's rows and columns on the resize channel whenever stdout emits "resize"), and the
// bridge exits with the shell's exit code once the API closes the exec.

/** process.stdout as the client wants it (rows, columns, "resize"), but one the client may end() without closing fd 1. */
function terminalOut(): Writable {
  const out = new Writable({ write: (chunk: Buffer, _enc, done) => void process.stdout.write(chunk, done) });
  Object.defineProperties(out, { rows: { get: () => process.stdout.rows }, columns: { get: () => process.stdout.columns } });
  process.stdout.on("resize", () => out.emit("resize"));
  return out;
}

async function main(): Promise<void> {
  const [namespace, name, container] = process.argv.slice(2);
  if (!namespace || !name || !container) throw new Error("usage: shell-bridge NAMESPACE POD CONTAINER");
  if (process.stdin.isTTY) {
    process.stdin.setRawMode(true);
    // libuv's raw mode keeps output post-processing (\n -> \r\n): the pod's TTY did that already, so turn it off too.
    execFileSync("stty", ["-opost"], { stdio: ["inherit", "ignore", "inherit"] });
  }
  let status: V1Status | undefined;
  const socket = await new Exec(loadKubeConfig(kubernetesSettings().kubeconfig)).exec(
    namespace,
    name,
    container,
    POD_SHELL,
    terminalOut(),
    null,
    process.stdin,
    true,
    (s) => (status = s),
  );
  socket.on("close", () => {
    const code = status ? exitCodeOf(status) : 1;
    process.stdout.write("", () => process.exit(code));
  });
}

main().catch((err: unknown) => {
  const message = typeof err === "object" && err !== null && "message" in err ? String(err.message) : String(err);
  process.stderr.write(`\r\nThe terminal could not reach the pod: ${message}\r\n`);
  process.exit(1);
});
