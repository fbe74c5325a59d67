import type http from "node:http";
import { clientKey, trustForwardedFor, wsPerAddress } from "@dockyard/contract/server";

// Limits on the lab-runner's WebSockets, so that one client cannot exhaust it: how fast one address may open
// sockets, and how many sockets one lab may hold open at once (its terminals; its live views).

export interface SocketLimitOptions {
  /** New sockets one address may open per window. */
  perAddress: number;
  windowMs: number;
  now?: () => number;
}

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

/**
 * Who a request comes from, as X-Forwarded-For would say it: a peer on loopback (the front server, which connects from
 * there for every learner, or a process of this host) is believed about the client it forwards for, as the site
 * believes it for sign-ins, and so is any peer under DOCKYARD_TRUST_FORWARDED_FOR; any other peer is its own client.
 */
export function forwardedFor(req: http.IncomingMessage): string {
  const peer = req.socket.remoteAddress ?? "";
  const forwarded = req.headers["x-forwarded-for"];
  return (LOOPBACK.test(peer) || trustForwardedFor()) && typeof forwarded === "string" ? forwarded : peer;
}

/** The client a new socket counts against. */
export const clientAddress = (req: http.IncomingMessage): string => clientKey(forwardedFor(req));

export class SocketLimits {
  private readonly opened = new Map<string, number[]>();
  private readonly held = new Map<string, number>();
  private readonly now: () => number;

  constructor(private readonly options: SocketLimitOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Counts a new socket from this address; false once it opened its allowance this window. */
  allowOpen(address: string): boolean {
    const now = this.now();
    const since = now - this.options.windowMs;
    for (const [key, times] of this.opened) if (times.at(-1)! <= since) this.opened.delete(key); // forget quiet addresses
    const recent = (this.opened.get(address) ?? []).filter((t) => t > since);
    if (recent.length >= this.options.perAddress) return false;
    recent.push(now);
    this.opened.set(address, recent);
    return true;
  }

  /** Takes one of `max` slots of `key` until the returned release is called (once); undefined when all are taken. */
  acquire(key: string, max: number): (() => void) | undefined {
    const count = this.held.get(key) ?? 0;
    if (count >= max) return undefined;
    this.held.set(key, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.held.get(key) ?? 1) - 1;
      if (left > 0) this.held.set(key, left);
      else this.held.delete(key);
    };
  }
}

export const SOCKET_LIMITS = {
  /** Behind a reverse proxy other than the front server every learner shares its address: raise it there (DOCKYARD_WS_PER_ADDRESS). */
  perAddress: wsPerAddress(),
  windowMs: 10_000,
  /** Terminals of one lab open at once: each node's, in a few tabs. */
  terminalsPerLab: 8,
  /** Live views of one lab open at once. */
  watchersPerLab: 4,
} as const;
