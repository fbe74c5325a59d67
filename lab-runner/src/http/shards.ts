import crypto from "node:crypto";
import http from "node:http";
import type { Duplex } from "node:stream";
import { createProxyServer } from "httpxy";
import { idPath, LAB_STATES, PREVIEW_CERTIFICATE_PATH, previewOfHost, previewUrl, Refusal, SANDBOX_ID, type HostStatus } from "@dockyard/contract/server";
import type { SandboxDriver } from "../sandbox/driver";
import { forwardedFor } from "./socketLimits";

// Several lab-runner replicas, each owning a shard of the labs. A lab lives in one process (its shells, recordings,
// idle clock, boot), so every lab has one owner: a stable hash of its sandbox id modulo the number of replicas. A
// replica handles what is about its own labs and forwards the rest, HTTP and WebSocket upgrades alike (terminals,
// live views, previews, checks, recordings, admin actions), to the owner at the peer URL; it adopts, culls and evicts
// only its own labs (ownLabsOnly). Any replica may therefore be asked: the site and the front server reach them
// through one Service; the admins' status asked of one gathers every replica's labs (withPeers). One replica, the
// default, owns every lab and forwards nothing.

export interface ShardSettings {
  replicas: number;
  /** This replica's number, 0 … replicas-1. */
  replica: number;
  /** Where another replica answers, `{i}` standing for its number: http://lab-runner-{i}.lab-runner:3001. */
  peerUrl: string;
}

/** Set on a forwarded request: its receiver must own the lab, never forward it again. */
const FORWARDED_BY = "x-dockyard-forwarded-by";

/** Routes about one lab: /sandboxes/<id>/…, /recordings/<id>, /preview/<id>/…, /admin/labs/<id>/…. */
const LAB_ROUTE = idPath`/(?:sandboxes|recordings|preview|admin/labs)/${SANDBOX_ID}(?:/[^?]*)?(?:\?.*)?`;

/** The replica that owns a lab: the first 32 bits of its id's SHA-256, modulo the replicas. */
export function ownerOf(sandboxId: string, replicas: number): number {
  return crypto.createHash("sha256").update(sandboxId).digest().readUInt32BE(0) % replicas;
}

/** The lab a request is about, if any: by its path, by a preview's own host name, or the front server's certificate question. */
export function labOfRequest(req: http.IncomingMessage): string | undefined {
  const url = req.url ?? "/";
  const preview = previewUrl();
  if (preview !== undefined) {
    const own = previewOfHost(req.headers.host, preview);
    if (own) return own.sandbox;
    if (url.startsWith(`${PREVIEW_CERTIFICATE_PATH}?`)) {
      const domain = new URL(url, "http://runner").searchParams.get("domain") ?? undefined;
      return previewOfHost(domain, preview)?.sandbox;
    }
  }
  return url.match(LAB_ROUTE)?.[1];
}

export class Shards {
  private readonly proxy = createProxyServer({});

  constructor(private readonly settings: ShardSettings) {
    const { replicas, replica } = settings;
    if (!Number.isInteger(replicas) || replicas < 1) throw new Error(`DOCKYARD_RUNNER_REPLICAS must be a whole number from 1, not ${replicas}.`);
    if (!Number.isInteger(replica) || replica < 0 || replica >= replicas)
      throw new Error(`DOCKYARD_RUNNER_REPLICA must be 0 … ${replicas - 1} (or the host name end in -<number>), not ${replica}.`);
    this.proxy.on("error", (err, req, res) => {
      const refusal = new Refusal(
        "runner_unreachable",
        `The lab-runner that holds this lab did not answer (${(err as NodeJS.ErrnoException).code ?? err.message}).`,
      );
      if (res instanceof http.ServerResponse && !res.headersSent) sendRefusal(res, refusal);
      else res?.destroy();
      console.error(`[lab-runner] forwarding ${req?.url} failed:`, err.message);
    });
  }

  get replicas(): number {
    return this.settings.replicas;
  }

  owns(sandboxId: string): boolean {
    return ownerOf(sandboxId, this.settings.replicas) === this.settings.replica;
  }

  /** Forwards the request to its lab's owner unless this replica owns it; true when it was forwarded (or refused). */
  web(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    const owner = this.ownerOfRequest(req);
    if (owner === undefined) return false;
    if (owner instanceof Refusal) sendRefusal(res, owner);
    else void this.proxy.web(req, res, { target: owner, headers: this.forwardHeaders(req) });
    return true;
  }

  /** The same for a WebSocket upgrade (terminal, live view, a preview's socket). */
  upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const owner = this.ownerOfRequest(req);
    if (owner === undefined) return false;
    if (owner instanceof Refusal)
      socket.end(`HTTP/1.1 ${owner.status} ${http.STATUS_CODES[owner.status]}\r\nconnection: close\r\n\r\n${JSON.stringify(owner.body)}`);
    else void this.proxy.ws(req, socket as never, { target: owner, headers: this.forwardHeaders(req) }, head);
    return true;
  }

  /**
   * The admins' status of every replica: their labs (in the status's order) and counts added to this one's; the host's
   * memory, CPU and disk stay this replica's own. A replica that does not answer is left out and said in the log.
   */
  async withPeers(req: http.IncomingMessage, own: HostStatus): Promise<HostStatus> {
    if (this.settings.replicas === 1 || req.headers[FORWARDED_BY] !== undefined) return own;
    const others = Array.from({ length: this.settings.replicas }, (_, i) => i).filter((i) => i !== this.settings.replica);
    const answers = await Promise.all(
      others.map(async (i) => {
        const url = `${this.peerUrl(i)}/admin/status`;
        try {
          const res = await fetch(url, { headers: { authorization: req.headers.authorization ?? "", [FORWARDED_BY]: String(this.settings.replica) } });
          if (res.ok) return (await res.json()) as HostStatus;
          console.error(`[lab-runner] ${url} answered ${res.status}`);
        } catch (e) {
          console.error(`[lab-runner] ${url} did not answer:`, (e as Error).message);
        }
      }),
    );
    const all = [own, ...answers.filter((status) => status !== undefined)];
    const order = (state: string) => LAB_STATES.indexOf(state as never);
    const counts = { ...own.counts };
    for (const status of all.slice(1)) for (const key of Object.keys(counts) as (keyof typeof counts)[]) counts[key] += status.counts[key];
    return {
      ...own,
      engine: { answers: all.every((status) => status.engine.answers) },
      labs: all.flatMap((status) => status.labs).sort((a, b) => order(a.state) - order(b.state)),
      counts,
    };
  }

  /** The driver as this replica sees it: list() holds only its own labs, so adoption, the idle culler and eviction leave the others' alone. */
  ownLabsOnly(driver: SandboxDriver): SandboxDriver {
    if (this.settings.replicas === 1) return driver;
    const list = async () => (await driver.list()).filter((sandbox) => this.owns(sandbox.id));
    return new Proxy(driver, {
      get(target, property) {
        if (property === "list") return list;
        const value = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  }

  /**
   * Undefined when this replica handles the request (it is about no lab, or one of its own); else the owner's URL, or a
   * refusal for a request another replica forwarded here although this one does not own its lab: the replicas disagree
   * about their number, and a loop must not follow.
   */
  private ownerOfRequest(req: http.IncomingMessage): string | Refusal | undefined {
    if (this.settings.replicas === 1) return undefined;
    const lab = labOfRequest(req);
    if (lab === undefined || this.owns(lab)) return undefined;
    if (req.headers[FORWARDED_BY] !== undefined)
      return new Refusal(
        "runner_unreachable",
        "The lab-runner replicas disagree about which of them holds this lab: give them all the same DOCKYARD_RUNNER_REPLICAS.",
      );
    return this.peerUrl(ownerOf(lab, this.settings.replicas));
  }

  private peerUrl(replica: number): string {
    return this.settings.peerUrl.replaceAll("{i}", String(replica)).replace(/\/+$/, "");
  }

  /** The owner counts the learner's sockets by the learner's address, not this replica's; the Host (a preview's name) is kept. */
  private forwardHeaders(req: http.IncomingMessage): Record<string, string> {
    return { [FORWARDED_BY]: String(this.settings.replica), "x-forwarded-for": forwardedFor(req), host: req.headers.host ?? "" };
  }
}

function sendRefusal(res: http.ServerResponse, refusal: Refusal): void {
  res.writeHead(refusal.status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(refusal.body));
}
