import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import Dockerode from "dockerode";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { execInPod } from "../../lab-runner/src/sandbox/kubernetes/exec";
import { PortForwards } from "../../lab-runner/src/sandbox/kubernetes/forward";
import { shellBridgeCommand } from "../../lab-runner/src/sandbox/kubernetes/shell";
import { spawnPty } from "../../lab-runner/src/terminal/pty";
import { startTestCluster, type TestCluster } from "../support/test-cluster";
import { prepareNode1, removeSandboxPod, SANDBOX_CONTAINER, sandboxPod, startSandboxPod } from "../support/sandbox-pod";

// Dockyard's sandbox as a pod on a REAL node, and the lab-runner's data path to it through the API server alone: the
// sandbox image's entry in pod mode brings up its inner dockerd unprivileged, exec runs commands (stdin, exit codes,
// timeouts killed inside the pod), the terminal bridge gives a raw TTY that resizes and exits with the shell, and
// port-forward sockets reach the inner dockerd (Dockerode) and a preview's port.
// Isolation: node1 runs every pod inside ONE Dockyard sandbox's user namespace (containerd 1.6 has no per-pod user
// namespaces): this proves the data path, not the isolation a production cluster must give (hostUsers: false, or a
// RuntimeClass such as Sysbox or Kata). Prerequisites: as tests/support/test-cluster.ts. Run under the shared lock.

const NAMESPACE = "dockyard-labs";
const POD = { namespace: NAMESPACE, name: `sandbox-pod-${process.pid}`, container: SANDBOX_CONTAINER };
let cluster: TestCluster | undefined;
const kc = new KubeConfig();
let forwards: PortForwards | undefined;

before(async () => {
  cluster = await startTestCluster({ fakeNodes: 0, images: ["busybox"], log: (line) => console.log(`# ${line}`) });
  kc.loadFromFile(cluster.kubeconfigPath);
  const image = await prepareNode1(cluster, ["busybox"]);
  await startSandboxPod(kc, NAMESPACE, sandboxPod(POD.name, image, ["busybox"]));
  forwards = new PortForwards(kc);
});

after(async () => {
  forwards?.closeAll();
  if (cluster) {
    await removeSandboxPod(kc, NAMESPACE, POD.name).catch(() => undefined);
    await cluster.remove();
  }
});

describe("the sandbox as a pod on a real node", { timeout: 600_000 }, () => {
  test("it runs unprivileged with the 17 capabilities and seccomp, and its inner dockerd runs a course image's container", async () => {
    const pod = await kc.makeApiClient(CoreV1Api).readNamespacedPod({ namespace: NAMESPACE, name: POD.name });
    const security = pod.spec!.containers[0]!.securityContext!;
    assert.equal(security.privileged, false);
    assert.equal(security.capabilities?.add?.length, 17);
    const status = await execInPod(kc, POD, ["sh", "-c", "grep -E '^(Seccomp|CapBnd):' /proc/1/status"]);
    assert.match(status.output, /Seccomp:\s+2/);
    assert.match(status.output, /CapBnd:\s+00000000a82c35fb/);
    const hi = await execInPod(kc, POD, ["docker", "run", "--rm", "busybox", "echo", "hi"], { timeoutMs: 60_000 });
    assert.deepEqual(hi, { exitCode: 0, output: "hi\n" });
  });

  test("inner containers nest below the pod's own cgroups, under its memory limit", async () => {
    await execInPod(kc, POD, ["docker", "run", "-d", "--name", "nested", "busybox", "sleep", "600"], { timeoutMs: 60_000 });
    const limit = await execInPod(kc, POD, ["cat", "/sys/fs/cgroup/memory/memory.limit_in_bytes"]);
    assert.equal(limit.output.trim(), String(512 * 1024 ** 2), "the cgroup root the entry mounted is the pod's");
    const nested = await execInPod(kc, POD, ["sh", "-c", "ls /sys/fs/cgroup/memory/docker/ | grep -c '^[0-9a-f]\\{64\\}$'"]);
    assert.equal(nested.output.trim(), "1");
    await execInPod(kc, POD, ["docker", "rm", "-f", "nested"], { timeoutMs: 30_000 });
  });

  test("exec merges stdout and stderr, passes stdin, reports exit codes, and kills a command at its timeout inside the pod", async () => {
    assert.deepEqual(await execInPod(kc, POD, ["sh", "-c", "echo out; sleep 0.3; echo err >&2; exit 3"]), { exitCode: 3, output: "out\nerr\n" });
    assert.deepEqual(await execInPod(kc, POD, ["wc", "-l"], { stdin: "a\nb\nc\n" }), { exitCode: 0, output: "3\n" });
    assert.equal((await execInPod(kc, POD, ["no-such-command"])).exitCode, 127);
    await assert.rejects(execInPod(kc, POD, ["sleep", "300"], { timeoutMs: 1_500 }), (e: Error & { code?: string }) => e.code === "exec_timeout");
    const left = await execInPod(kc, POD, ["sh", "-c", "pgrep -x sleep || echo none"]);
    assert.equal(left.output.trim(), "none", "the sleep was killed inside the pod");
    await assert.rejects(execInPod(kc, { ...POD, name: "no-such-pod" }, ["true"]), (e: Error & { code?: string }) => e.code === "not_running");
  });

  test("the terminal bridge: a login shell in /root, typed input answered, resized, and exiting with the shell's code", async () => {
    const pty = spawnPty(shellBridgeCommand(POD, cluster!.kubeconfigPath), { cols: 100, rows: 30 }) as unknown as {
      onData(cb: (d: Buffer) => void): void;
      onExit(cb: (e: { exitCode: number }) => void): void;
      write(s: string): void;
      resize(c: number, r: number): void;
    };
    let output = "";
    pty.onData((d) => (output += d.toString()));
    const exited = new Promise<number>((resolve) => pty.onExit((e) => resolve(e.exitCode)));
    const seen = async (pattern: RegExp) => {
      for (let i = 0; i < 200 && !pattern.test(output); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.match(output, pattern);
    };
    await seen(/root@node1.*# /);
    pty.write("echo $((6*7)) $(pwd) $TERM; stty size\r");
    await seen(/42 \/root xterm-256color\r\n30 100\r\n/);
    pty.resize(120, 40);
    await new Promise((resolve) => setTimeout(resolve, 300));
    pty.write("stty size\r");
    await seen(/40 120\r\n/);
    assert.doesNotMatch(output, /\r\r\n/, "output is not translated twice (the bridge's TTY is raw)");
    pty.write("exit 7\r");
    assert.equal(await exited, 7);
  });

  test("port-forward sockets: Dockerode reaches the inner dockerd, a preview's port answers, and closing the pod's forwards cuts them", async () => {
    const docker = new Dockerode({ socketPath: forwards!.socketFor(POD, 2375) });
    assert.match((await docker.version()).Version, /^20\./);
    const container = await docker.createContainer({ Image: "busybox", Cmd: ["sleep", "600"], name: "via-forward" });
    await container.start();
    const running = await execInPod(kc, POD, ["docker", "ps", "--format", "{{.Names}}"]);
    assert.match(running.output, /^via-forward$/m, "the container made over the forward runs in the pod's dockerd");
    await container.remove({ force: true });

    await execInPod(kc, POD, ["sh", "-c", "mkdir -p /srv/w && echo previewed > /srv/w/index.html && (busybox httpd -p 127.0.0.1:8080 -h /srv/w &)"]);
    const web = forwards!.socketFor(POD, 8080);
    const body = await new Promise<string>((resolve, reject) =>
      http
        .get({ socketPath: web, path: "/" }, (res) => {
          let text = "";
          res.on("data", (c: Buffer) => (text += c.toString()));
          res.on("end", () => resolve(text));
        })
        .on("error", reject),
    );
    assert.equal(body, "previewed\n");

    forwards!.close(POD.name);
    await assert.rejects(new Promise((resolve, reject) => net.connect(web, () => resolve("connected")).on("error", reject)), /ENOENT|ECONNREFUSED/);
  });
});
