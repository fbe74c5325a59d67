import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { exitCodeOf, refusalOf, withTimeout } from "../../lab-runner/src/sandbox/kubernetes/exec";
import { PortForwards, socketName } from "../../lab-runner/src/sandbox/kubernetes/forward";
import { POD_SHELL, shellBridgeCommand } from "../../lab-runner/src/sandbox/kubernetes/shell";
import { DriverError } from "../../lab-runner/src/sandbox/driver";

// The pure parts of the Kubernetes driver's data path (exec, terminal bridge, port-forwards); each is exercised against
// a real pod on a real node in tests/integration/kubernetes-pod.test.ts.

const POD = { namespace: "dockyard-labs", name: "dy-0123456789abcdef0123-node1", container: "sandbox" };

test("a command runs under timeout -s KILL with the timeout in whole seconds, rounded up, at least 1", () => {
  assert.deepEqual(withTimeout(["sh", "-c", "x"], 30_000), ["timeout", "-s", "KILL", "30", "sh", "-c", "x"]);
  assert.deepEqual(withTimeout(["true"], 1_500), ["timeout", "-s", "KILL", "2", "true"]);
  assert.deepEqual(withTimeout(["true"], 10), ["timeout", "-s", "KILL", "1", "true"]);
});

test("the exit code comes from the exec's V1Status: Success 0, NonZeroExitCode its cause, any other failure 126", () => {
  assert.equal(exitCodeOf({ status: "Success" }), 0);
  assert.equal(exitCodeOf({ status: "Failure", reason: "NonZeroExitCode", details: { causes: [{ reason: "ExitCode", message: "3" }] } }), 3);
  assert.equal(exitCodeOf({ status: "Failure", reason: "InternalError", message: "exec: not found" }), 126);
  assert.equal(exitCodeOf({ status: "Failure", reason: "NonZeroExitCode", details: { causes: [{ reason: "ExitCode", message: "x" }] } }), 126);
});

test("a refused WebSocket is told apart: pod gone (404, 400) is not_running, an unreachable API engine_down, else engine_failed", () => {
  const code = (err: unknown) => (refusalOf(err, POD) as DriverError).code;
  assert.equal(code({ message: "Unexpected server response: 404" }), "not_running");
  assert.equal(code(new Error("Unexpected server response: 400")), "not_running");
  assert.equal(code({ message: "connect ECONNREFUSED 10.0.0.1:6443" }), "engine_down");
  assert.equal(code({ message: "Unexpected server response: 403" }), "engine_failed");
  assert.match(refusalOf({ message: "Unexpected server response: 404" }, POD).message, /dockyard-labs\/dy-0123456789abcdef0123-node1/);
});

test("the terminal runs this Node with tsx and the bridge, naming the pod; in the pod a login bash in /root", () => {
  const command = shellBridgeCommand(POD);
  assert.equal(command.file, process.execPath);
  assert.deepEqual(command.args.slice(0, 2), ["--import", "tsx"]);
  assert.match(command.args[2]!, /lab-runner\/src\/sandbox\/kubernetes\/shell-bridge\.ts$/);
  assert.ok(fs.existsSync(command.args[2]!));
  assert.deepEqual(command.args.slice(3), [POD.namespace, POD.name, POD.container]);
  assert.equal(command.env.TERM, "xterm-256color");
  assert.equal(command.env.DOCKYARD_KUBECONFIG, undefined);
  assert.equal(shellBridgeCommand(POD, "/etc/dockyard/kubeconfig").env.DOCKYARD_KUBECONFIG, "/etc/dockyard/kubeconfig");
  assert.deepEqual(POD_SHELL.slice(-3), ["bash", "-c", "cd /root && exec bash -l"]);
});

test("a socket name is short, fixed per (pod, port) and differs between pods, namespaces and ports", () => {
  const name = socketName(POD, 2375);
  assert.equal(name, socketName({ ...POD }, 2375));
  assert.match(name, /^[0-9a-f]{16}-2375\.sock$/);
  assert.notEqual(socketName(POD, 8080), name);
  assert.notEqual(socketName({ ...POD, name: "other" }, 2375), name);
  assert.notEqual(socketName({ ...POD, namespace: "other" }, 2375), name);
});

test("port-forward sockets live in a 0700 directory, listen as soon as asked, are one per (pod, port), and go with their pod", async () => {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), "forwards-test-"));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "c", server: "https://127.0.0.1:1" }],
    users: [{ name: "u" }],
    contexts: [{ name: "x", cluster: "c", user: "u" }],
    currentContext: "x",
  });
  const forwards = new PortForwards(kc, parent);
  try {
    const file = forwards.socketFor(POD, 2375);
    assert.equal(fs.statSync(path.dirname(file)).mode & 0o777, 0o700);
    assert.equal(forwards.socketFor(POD, 2375), file);
    assert.notEqual(forwards.socketFor(POD, 8080), file);
    // Listening at once: the connection is accepted, then cut because no API server answers at 127.0.0.1:1.
    const cut = await new Promise<string>((resolve) => {
      const socket = net.connect(file, () => undefined);
      socket.on("close", () => resolve("cut"));
      socket.on("error", () => undefined);
    });
    assert.equal(cut, "cut");
    forwards.close(POD.name);
    await assert.rejects(new Promise((resolve, reject) => net.connect(file, () => resolve("connected")).on("error", reject)), /ENOENT|ECONNREFUSED/);
  } finally {
    forwards.closeAll();
    fs.rmSync(parent, { recursive: true, force: true });
  }
});

test("a PortForwards' directory is made at the first socket and goes when the process exits, closed or not", async () => {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), "forwards-exit-test-"));
  new PortForwards(new KubeConfig(), parent);
  assert.deepEqual(fs.readdirSync(parent), [], "no socket asked for, no directory");
  const script = `import fs from "node:fs";
import { KubeConfig } from "@kubernetes/client-node";
import { PortForwards } from "./lab-runner/src/sandbox/kubernetes/forward.ts";
new PortForwards(new KubeConfig(), ${JSON.stringify(parent)}).socketFor({ namespace: "n", name: "p", container: "c" }, 2375);
console.log(fs.readdirSync(${JSON.stringify(parent)}).length);
process.exit(0);`;
  try {
    const during = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8", timeout: 30_000 });
    assert.equal(during.trim(), "1", "the directory existed while the process ran");
    assert.deepEqual(fs.readdirSync(parent), [], "and was removed at its exit");
  } finally {
    fs.rmSync(parent, { recursive: true, force: true });
  }
});
