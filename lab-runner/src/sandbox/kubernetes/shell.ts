import path from "node:path";
import { fileURLToPath } from "node:url";
import type { PodRef } from "./exec";

// The terminal of a lab's pod: node-pty runs a small Node program (shell-bridge.ts) that bridges its TTY to the API
// server's exec with tty:true, so a learner's shell needs neither kubectl nor the pod network on the lab-runner.

const BRIDGE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "shell-bridge.ts");

/**
 * What node-pty spawns for a terminal in the pod: this Node with tsx (as the lab-runner runs), the bridge and the pod.
 * kubeconfigPath: the driver's credentials file, when it has one; else the bridge loads them as the lab-runner does
 * (DOCKYARD_KUBECONFIG, in-cluster, default), from the environment node-pty passes on.
 */
export function shellBridgeCommand(pod: PodRef, kubeconfigPath?: string): { file: string; args: string[]; env: Record<string, string> } {
  return {
    file: process.execPath,
    args: ["--import", "tsx", BRIDGE, pod.namespace, pod.name, pod.container],
    env: { TERM: "xterm-256color", LANG: "C.UTF-8", ...(kubeconfigPath ? { DOCKYARD_KUBECONFIG: kubeconfigPath } : {}) },
  };
}

/** The login shell the bridge runs in the pod: in /root, with the terminal type the page's xterm.js speaks. */
export const POD_SHELL = ["env", "TERM=xterm-256color", "LANG=C.UTF-8", "HOME=/root", "bash", "-c", "cd /root && exec bash -l"];
