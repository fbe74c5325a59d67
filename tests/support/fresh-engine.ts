import { execFile, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";

// A throwaway Docker engine of a test's own, as on a machine Dockyard was just installed on: its own socket, data
// root, exec root and containerd namespace in a directory of the test's, no bridge and no firewall rules (its
// containers run with --network none). It never touches Dockyard's engine or the host's default daemon.

const run = promisify(execFile);

export interface FreshEngine {
  socket: string;
  /** The docker CLI against it. */
  docker(...args: string[]): Promise<{ stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

export async function startFreshEngine(dir: string): Promise<FreshEngine> {
  fs.mkdirSync(dir, { recursive: true });
  const socket = path.join(dir, "docker.sock");
  const ns = `dockyard-fresh-${process.pid}`;
  fs.writeFileSync(path.join(dir, "daemon.json"), "{}\n"); // not /etc/docker/daemon.json
  const log = fs.openSync(path.join(dir, "dockerd.log"), "a");
  const child = spawn(
    "/usr/sbin/dockerd",
    [
      ...["--config-file", path.join(dir, "daemon.json"), "--host", `unix://${socket}`, "--pidfile", path.join(dir, "dockerd.pid")],
      ...["--data-root", path.join(dir, "data"), "--exec-root", path.join(dir, "exec")],
      ...["--containerd-namespace", ns, "--containerd-plugins-namespace", `${ns}-plugins`],
      ...["--bridge", "none", "--iptables=false", "--ip-masq=false", "--storage-driver", "overlay2"],
    ],
    { stdio: ["ignore", log, log] },
  );
  fs.closeSync(log);
  const docker = (...args: string[]) => run("/usr/bin/docker", ["-H", `unix://${socket}`, ...args], { maxBuffer: 16 * 1024 * 1024 });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (
      await docker("info").then(
        () => true,
        () => false,
      )
    )
      return { socket, docker, stop };
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`the fresh dockerd did not answer:\n${fs.readFileSync(path.join(dir, "dockerd.log"), "utf8").slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
