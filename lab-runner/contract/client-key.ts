import net from "node:net";

// Which client a request comes from, as the key its limits count against: the site's sign-in and sign-up limits
// (app/_actions/account.ts) and the lab-runner's WebSocket limit (lab-runner/src/http/socketLimits.ts).
//
// Trust assumption: the site and the lab-runner listen on 127.0.0.1 only, so what reaches them is the front server
// or a process of this host. The front server (Caddy's reverse_proxy) sets X-Forwarded-For on every request it passes on: for a client it
// does not trust (any browser; Dockyard names no trusted_proxies) it replaces whatever the client sent with the
// address it saw; after a proxy it trusts, it appends that address to the proxy's list. Either way the last entry is
// the one the front server wrote, and the only one believed here. A local client that connects directly gets the
// socket's address filled in by Next (loopback), and all of them share one key. A process of this host could claim
// any address, but it could do far worse already.

/** The key of every client on this host itself. */
export const LOCAL_CLIENT = "local";

/** The groups of an IPv6 address, "::" expanded (an embedded IPv4 address counts as the two groups it fills). */
function ipv6Groups(ip: string): string[] {
  const size = (groups: string[]) => groups.reduce((n, g) => n + (g.includes(".") ? 2 : 1), 0);
  const split = (part: string) => (part ? part.split(":") : []);
  if (!ip.includes("::")) return ip.split(":");
  const [head = "", tail = ""] = ip.split("::");
  const [before, after] = [split(head), split(tail)];
  return [...before, ...Array<string>(8 - size(before) - size(after)).fill("0"), ...after];
}

/**
 * The limits' key for the client a request's X-Forwarded-For names: its last entry, an IPv4 address as it is, an IPv6
 * one as its /64 (one subscriber's whole network, which a client can hop across at will), this host as LOCAL_CLIENT.
 */
export function clientKey(forwardedFor: string | null | undefined): string {
  const last = (forwardedFor?.split(",").at(-1) ?? "").trim().replace(/%.*$/, "");
  const ip = last.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, "");
  if (net.isIPv4(ip)) return ip.startsWith("127.") ? LOCAL_CLIENT : ip;
  if (!net.isIPv6(ip)) return LOCAL_CLIENT;
  const groups = ipv6Groups(ip.toLowerCase()).map((g) => (g.includes(".") ? g : parseInt(g, 16).toString(16)));
  if (groups.every((g, i) => g === (i === 7 ? "1" : "0"))) return LOCAL_CLIENT; // ::1
  return `${groups.slice(0, 4).join(":")}::/64`;
}
