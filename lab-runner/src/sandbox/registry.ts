import crypto from "node:crypto";
import type Dockerode from "dockerode";
import type { RegistryCredentials } from "@dockyard/contract";

// A lab's private registry (lessons with `registry: true`): Debian's docker-registry in a container of its own
// on the lab network (lab-runner/registry-image), known there as registry:5000. Every node's inner dockerd lists
// it as an insecure (plain HTTP) registry; the learner logs in with a per-lab password.

export const REGISTRY_ALIAS = "registry";
export const REGISTRY_PORT = 5000;
export const REGISTRY_HOST = `${REGISTRY_ALIAS}:${REGISTRY_PORT}`;
const USERNAME = "learner";
const ENV = { user: "DOCKYARD_REGISTRY_USER", password: "DOCKYARD_REGISTRY_PASSWORD" };

/** The registry's credentials and where the lab-runner (on the host) reaches its HTTP API. */
export interface LabRegistry extends RegistryCredentials {
  url: string;
}

export const registryContainerName = (labId: string) => `${labId}-${REGISTRY_ALIAS}`;

/** A new registry's environment: the learner's user name and a password of this lab's own. */
export const newRegistryEnv = (): Record<string, string> => ({ [ENV.user]: USERNAME, [ENV.password]: crypto.randomBytes(15).toString("base64url") });

/** A running registry's credentials, read back from its environment, with its HTTP API at `address`. */
export const registryFromEnv = (env: Map<string, string>, address: string): LabRegistry => ({
  host: REGISTRY_HOST,
  username: env.get(ENV.user) ?? "",
  password: env.get(ENV.password) ?? "",
  url: `http://${address}:${REGISTRY_PORT}`,
});

export async function createRegistry(
  docker: Dockerode,
  labId: string,
  options: { image: string; networkName: string; labels: Record<string, string> },
): Promise<void> {
  const container = await docker.createContainer({
    name: registryContainerName(labId),
    Hostname: REGISTRY_ALIAS,
    Image: options.image,
    Labels: options.labels,
    Env: Object.entries(newRegistryEnv()).map(([name, value]) => `${name}=${value}`),
    HostConfig: {
      NetworkMode: options.networkName,
      CapDrop: ["ALL"], // it runs as its own user (see its Dockerfile) on an unprivileged port
      SecurityOpt: ["no-new-privileges"],
      Memory: 256 * 1024 ** 2,
      MemorySwap: 256 * 1024 ** 2,
      NanoCpus: 0.5e9,
      PidsLimit: 128,
      OomScoreAdj: 500,
      RestartPolicy: { Name: "no" },
      LogConfig: { Type: "json-file", Config: { "max-size": "1m", "max-file": "1" } },
    },
    NetworkingConfig: { EndpointsConfig: { [options.networkName]: { Aliases: [REGISTRY_ALIAS] } } },
  });
  await container.start();
}

/** The running registry of a lab, or undefined when it has none (or it stopped). */
export async function labRegistry(docker: Dockerode, labId: string, networkName: string): Promise<LabRegistry | undefined> {
  let info: Dockerode.ContainerInspectInfo;
  try {
    info = await docker.getContainer(registryContainerName(labId)).inspect();
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
  const ip = info.NetworkSettings.Networks[networkName]?.IPAddress;
  if (!info.State.Running || !ip) return undefined;
  const env = new Map(info.Config.Env.map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
  return registryFromEnv(env, ip);
}

/** Whether the registry serves its API: /v2/ answers (401 without credentials). */
export async function registryAnswers(registry: LabRegistry): Promise<boolean> {
  try {
    const res = await fetch(`${registry.url}/v2/`, { signal: AbortSignal.timeout(2_000) });
    await res.body?.cancel();
    return res.status === 401 || res.status === 200;
  } catch {
    return false;
  }
}

/** GET from the registry's HTTP API as the learner. */
export async function registryGet(registry: LabRegistry, path: string): Promise<{ status: number; body: unknown }> {
  const auth = Buffer.from(`${registry.username}:${registry.password}`).toString("base64");
  const res = await fetch(`${registry.url}${path}`, { headers: { authorization: `Basic ${auth}` }, signal: AbortSignal.timeout(5_000) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: kept as text for the error message
  }
  return { status: res.status, body };
}
