import type Dockerode from "dockerode";
import { DriverError } from "../driver";
import { errorMessage, sleep, statusOf } from "./engine";
import { NETWORK_LABEL, networkName } from "./naming";

// One bridge network per lab, with an explicit subnet from Dockyard's lab pool: <prefix>.N.0/24 on a host bridge
// named dyl-N, N = 0..255, which scripts/engine.sh firewalls. Docker isolates the labs' bridges from each other.

const LAB_BRIDGE_PREFIX = "dyl-";

export class LabNetworks {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly docker: Dockerode,
    private readonly prefix: string,
  ) {}

  /** The lab's network, made unless it exists. */
  ensure(id: string): Promise<{ name: string; subnet: string }> {
    // serialized so that two boots in this process never pick the same free subnet
    const run = this.queue.then(() => this.create(id));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async remove(id: string): Promise<void> {
    const name = networkName(id);
    for (let attempt = 0; attempt < 10; attempt++) {
      try {
        await this.docker.getNetwork(name).remove();
        return;
      } catch (err) {
        if (statusOf(err) === 404) return;
        if (attempt === 9) throw err;
        await sleep(200); // endpoints of a just-removed container may linger for a moment
      }
    }
  }

  private async create(id: string): Promise<{ name: string; subnet: string }> {
    const name = networkName(id);
    const existing = await this.docker
      .getNetwork(name)
      .inspect()
      .catch(() => undefined);
    if (existing) return { name, subnet: existing.IPAM?.Config?.[0]?.Subnet ?? "" };
    const used = await this.usedSlots();
    for (let slot = 0; slot < 256; slot++) {
      if (used.has(slot)) continue;
      const subnet = `${this.prefix}.${slot}.0/24`;
      try {
        await this.docker.createNetwork({
          Name: name,
          Driver: "bridge",
          CheckDuplicate: true,
          IPAM: { Driver: "default", Config: [{ Subnet: subnet, Gateway: `${this.prefix}.${slot}.1` }] },
          Options: {
            "com.docker.network.bridge.name": `${LAB_BRIDGE_PREFIX}${slot}`,
            "com.docker.network.bridge.enable_icc": "true", // nodes of one lab talk; other labs are isolated by Docker
          },
          Labels: { [NETWORK_LABEL]: id },
        });
        return { name, subnet };
      } catch (err) {
        const raced = await this.docker
          .getNetwork(name)
          .inspect()
          .catch(() => undefined);
        if (raced) return { name, subnet: raced.IPAM?.Config?.[0]?.Subnet ?? "" };
        // another lab-runner process took this subnet (or bridge name) meanwhile: try the next one
        if (/overlap|exists|in use/i.test(errorMessage(err))) continue;
        throw err;
      }
    }
    throw new DriverError("no_subnet", `no free lab subnet left in ${this.prefix}.0.0/16`);
  }

  private async usedSlots(): Promise<Set<number>> {
    const networks = await this.docker.listNetworks();
    const prefix = `${this.prefix}.`;
    const used = new Set<number>();
    for (const n of networks) {
      for (const c of n.IPAM?.Config ?? []) {
        const subnet = c.Subnet ?? "";
        if (subnet.startsWith(prefix)) used.add(Number(subnet.slice(prefix.length).split(".")[0]));
      }
      const bridge = n.Options?.["com.docker.network.bridge.name"] ?? "";
      if (bridge.startsWith(LAB_BRIDGE_PREFIX)) used.add(Number(bridge.slice(LAB_BRIDGE_PREFIX.length)));
    }
    return used;
  }
}
