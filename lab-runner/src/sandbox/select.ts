import { sandboxDriver } from "@dockyard/contract/server";
import { DockerSandboxDriver } from "./docker";
import type { SandboxDriver } from "./driver";
import { KubernetesSandboxDriver } from "./kubernetes";

// The driver DOCKYARD_SANDBOX_DRIVER names: Dockyard's own engine on this host (docker), or a Kubernetes cluster.

export const selectDriver = (): SandboxDriver => (sandboxDriver() === "kubernetes" ? new KubernetesSandboxDriver() : new DockerSandboxDriver());
