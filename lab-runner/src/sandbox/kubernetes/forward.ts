import { createHash } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { PortForward, type KubeConfig } from "@kubernetes/client-node";
import { refusalOf, type PodRef } from "./exec";

// Ports of lab pods as unix sockets of the lab-runner: each connection to socketFor(pod, port) becomes one port-forward
// WebSocket through the API server to that port on the pod's loopback (the inner dockerd's tcp 127.0.0.1:2375 for
// innerDocker, a preview's port for endpoint()). The lab-runner never needs the pod network, and the sockets live in a
// 0700 directory of its own, so no other local user reaches a learner's dockerd through them.

/** Every PortForwards' directory, removed when the process exits (a driver lives as long as its lab-runner). */
const directories = new Set<string>();
let removedAtExit = false;
function removeAtExit(dir: string): void {
  directories.add(dir);
  if (removedAtExit) return;
  removedAtExit = true;
  process.once("exit", () => {
    for (const d of directories) fs.rmSync(d, { recursive: true, force: true });
  });
}

export class PortForwards {
  /** Made at the first socket asked for: a driver that never forwards leaves nothing behind. */
  private dir?: string;
  private readonly servers = new Map<string, { pod: PodRef; server: net.Server; connections: Set<net.Socket> }>();

  constructor(
    private readonly kc: KubeConfig,
    private readonly parent = os.tmpdir(),
  ) {}

  private directory(): string {
    if (!this.dir) {
      this.dir = fs.mkdtempSync(path.join(this.parent, "dockyard-forwards-")); // mkdtemp makes it 0700
      removeAtExit(this.dir);
    }
    return this.dir;
  }

  /** The socket for a port of a pod, listening from now on (the listen is synchronous, so innerDocker() can be too). */
  socketFor(pod: PodRef, port: number): string {
    const key = `${pod.namespace}/${pod.name}:${port}`;
    const file = path.join(this.directory(), socketName(pod, port));
    if (this.servers.has(key)) return file;
    const connections = new Set<net.Socket>();
    const server = net.createServer((socket) => {
      connections.add(socket);
      socket.on("close", () => connections.delete(socket));
      socket.on("error", () => {}); // a failed forward: the client sees its connection cut
      this.forward(pod, port, socket);
    });
    fs.rmSync(file, { force: true });
    server.listen(file);
    this.servers.set(key, { pod, server, connections });
    return file;
  }

  /** Stops forwarding every port of a pod (it was removed or suspended): its sockets go, open connections are cut. */
  close(podName: string, namespace?: string): void {
    for (const [key, entry] of this.servers) {
      if (entry.pod.name !== podName || (namespace !== undefined && entry.pod.namespace !== namespace)) continue;
      entry.server.close();
      for (const socket of entry.connections) socket.destroy();
      this.servers.delete(key);
    }
  }

  /** Stops everything and removes the directory (the lab-runner shuts down). */
  closeAll(): void {
    for (const { pod } of [...this.servers.values()]) this.close(pod.name, pod.namespace);
    if (!this.dir) return;
    fs.rmSync(this.dir, { recursive: true, force: true });
    directories.delete(this.dir);
    this.dir = undefined;
  }

  private forward(pod: PodRef, port: number, socket: net.Socket): void {
    // The API's error channel says why a forward failed (e.g. nothing listens on the port): the connection is cut.
    const errors = new Writable({
      write: (chunk: Buffer, _enc, done) => {
        if (chunk.length > 0) socket.destroy(new Error(`port-forward to ${pod.name}:${port}: ${chunk.toString("utf8").trim()}`));
        done();
      },
    });
    new PortForward(this.kc)
      .portForward(pod.namespace, pod.name, [port], socket, errors, socket)
      .then((ws) => {
        const webSocket = typeof ws === "function" ? ws() : ws;
        webSocket?.on("close", () => socket.end());
        socket.on("close", () => webSocket?.close());
      })
      .catch((err: unknown) => socket.destroy(refusalOf(err, pod)));
  }
}

/** Short and fixed per (pod, port): a unix socket path must stay under ~107 bytes, whatever the pod's name. */
export function socketName(pod: Pick<PodRef, "namespace" | "name">, port: number): string {
  return `${createHash("sha256").update(`${pod.namespace}/${pod.name}`).digest("hex").slice(0, 16)}-${port}.sock`;
}
