import dns from "node:dns";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import os from "node:os";
import { outboundAllowPrivate } from "@dockyard/contract/server";

// The one check for URLs Dockyard sends requests to that someone else chose (webhook endpoints; an LMS's keys,
// services and registration addresses): they must not turn the site into a way into this host or its network
// (SSRF). A URL is checked when it is saved, with plain words on what is wrong, and every request to it goes through
// outboundPost (webhooks) or outboundFetch (LMSes), whose connection checks each address it is about to connect to:
// a name whose DNS answer changed since (rebinding) is refused too. Neither follows a redirect, whose target was
// never checked.

/** Never reached: "this network", link-local (169.254.169.254 and fd00:ec2::254 are cloud metadata services), multicast, reserved. */
const NEVER = new net.BlockList();
NEVER.addSubnet("0.0.0.0", 8, "ipv4");
NEVER.addSubnet("169.254.0.0", 16, "ipv4");
NEVER.addSubnet("224.0.0.0", 4, "ipv4");
NEVER.addSubnet("240.0.0.0", 4, "ipv4");
NEVER.addAddress("::", "ipv6");
NEVER.addSubnet("fe80::", 10, "ipv6");
NEVER.addSubnet("ff00::", 8, "ipv6");
NEVER.addAddress("fd00:ec2::254", "ipv6");

/** Reached only with DOCKYARD_OUTBOUND_ALLOW_PRIVATE=1: loopback and private networks. */
const LOOPBACK = new net.BlockList();
LOOPBACK.addSubnet("127.0.0.0", 8, "ipv4");
LOOPBACK.addAddress("::1", "ipv6");
const PRIVATE = new net.BlockList();
for (const [subnet, bits] of [
  ["10.0.0.0", 8],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
  ["100.64.0.0", 10], // carrier-grade NAT, a provider's internal network
  ["192.0.0.0", 24],
  ["198.18.0.0", 15],
] as const)
  PRIVATE.addSubnet(subnet, bits, "ipv4");
PRIVATE.addSubnet("fc00::", 7, "ipv6");

/** An IPv4 address written as IPv6 (::ffff:127.0.0.1) is judged as the IPv4 one. */
function plain(address: string): { address: string; family: "ipv4" | "ipv6" } {
  const mapped = address.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i);
  if (mapped) return { address: mapped[1]!, family: "ipv4" };
  return { address, family: net.isIPv6(address) ? "ipv6" : "ipv4" };
}

const ownAddresses = () =>
  new Set(
    Object.values(os.networkInterfaces())
      .flat()
      .map((i) => i && plain(i.address).address),
  );

/** Why Dockyard may not send to this IP address, in plain words; undefined when it may. */
export function addressRefusal(ip: string, allowPrivate = outboundAllowPrivate()): string | undefined {
  const { address, family } = plain(ip);
  if (NEVER.check(address, family))
    return `${ip} is a link-local, multicast or reserved address (such as a cloud's metadata service), which Dockyard never sends to.`;
  if (allowPrivate) return undefined;
  if (LOOPBACK.check(address, family)) return `${ip} is this machine's loopback address.`;
  if (PRIVATE.check(address, family)) return `${ip} is a private network address.`;
  if (ownAddresses().has(address)) return `${ip} is one of this machine's own addresses.`;
  return undefined;
}

const PRIVATE_HINT = "An admin may allow private and loopback addresses with DOCKYARD_OUTBOUND_ALLOW_PRIVATE=1 (receivers on your own network).";

/** Why Dockyard may not send to this URL, in plain words (resolving its host name); undefined when it may. */
export async function outboundUrlRefusal(url: string): Promise<string | undefined> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "That is not a URL: write it in full, such as https://example.org/hooks/dockyard.";
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return `Only http:// and https:// URLs can be used, not ${parsed.protocol}//.`;
  if (parsed.username || parsed.password) return "Leave the user name and password out of the URL.";
  const host = parsed.hostname.replace(/^\[|\]$/g, "");
  let addresses: string[];
  try {
    addresses = net.isIP(host) ? [host] : (await dns.promises.lookup(host, { all: true, verbatim: true })).map((a) => a.address);
  } catch {
    return `The name ${host} could not be found (DNS): check the spelling.`;
  }
  for (const address of addresses) {
    const refusal = addressRefusal(address);
    if (refusal) return `${host === address ? "" : `${host} is at ${address}: `}${refusal}${/link-local/.test(refusal) ? "" : ` ${PRIVATE_HINT}`}`;
  }
  return undefined;
}

/** A refused address, found while connecting. */
export class OutboundRefused extends Error {}

/** dns.lookup as the connection calls it, refusing any address addressRefusal refuses. */
const checkedLookup: net.LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { ...options, all: true }, (error, found) => {
    if (error) return callback(error, "", 0);
    const list = found as dns.LookupAddress[];
    const refused = list.map((a) => addressRefusal(a.address)).find(Boolean);
    if (refused) return callback(new OutboundRefused(refused), "", 0);
    if (options.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
    callback(null, list[0]!.address, list[0]!.family);
  });
};

/** An answer as it came: status, headers, and the body's first `maxBytes` bytes. */
interface Answer {
  status: number;
  headers: Headers;
  body: Buffer;
}

interface Limits {
  timeoutMs: number;
  maxBytes: number;
  /** Reject an answer over maxBytes (else it is cut). */
  refuseLarger?: boolean;
  signal?: AbortSignal;
}

/**
 * One request to a URL that passes the check, connecting only to addresses it allows; follows no redirect. Rejects
 * with OutboundRefused for a refused address, or the connection's error (refused, timed out, aborted).
 */
async function send(url: string, method: string, headers: Record<string, string>, body: Buffer | undefined, limits: Limits): Promise<Answer> {
  const refusal = await outboundUrlRefusal(url);
  if (refusal) throw new OutboundRefused(refusal);
  limits.signal?.throwIfAborted();
  const target = new URL(url);
  const client = target.protocol === "https:" ? https : http;
  const sent = body ? { ...headers, "content-length": String(body.length) } : headers;
  return new Promise((resolve, reject) => {
    const request = client.request(target, { method, headers: sent, lookup: checkedLookup, timeout: limits.timeoutMs, signal: limits.signal }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on("data", (chunk: Buffer) => {
        if (size < limits.maxBytes) chunks.push(chunk);
        size += chunk.length;
      });
      response.on("end", () => {
        if (limits.refuseLarger && size > limits.maxBytes) return reject(new Error(`its answer is larger than ${limits.maxBytes} bytes`));
        const answer = new Headers();
        for (let i = 0; i + 1 < response.rawHeaders.length; i += 2) answer.append(response.rawHeaders[i]!, response.rawHeaders[i + 1]!);
        resolve({ status: response.statusCode ?? 0, headers: answer, body: Buffer.concat(chunks).subarray(0, limits.maxBytes) });
      });
      response.on("error", reject);
    });
    request.on("timeout", () => request.destroy(new Error(`no answer within ${limits.timeoutMs / 1000} s`)));
    request.on("error", (e) => reject(limits.signal?.aborted ? limits.signal.reason : e));
    request.end(body);
  });
}

export interface OutboundAnswer {
  status: number;
  /** The start of the body. */
  body: string;
}

/**
 * POSTs to a URL that passes the check, connecting only to addresses it allows; follows no redirect (its status is
 * the answer). Rejects with OutboundRefused for a refused address, or the connection's error (refused, timed out).
 */
export async function outboundPost(url: string, headers: Record<string, string>, body: string, timeoutMs = 15_000): Promise<OutboundAnswer> {
  const answer = await send(url, "POST", headers, Buffer.from(body), { timeoutMs, maxBytes: 16_384 });
  return { status: answer.status, body: answer.body.toString("utf8").slice(0, 4096) };
}

/** What outboundFetch sends: fetch's options, with a text or form body. */
export type OutboundInit = Pick<RequestInit, "method" | "headers" | "body" | "signal" | "redirect">;

const MAX_ANSWER_BYTES = 10 * 1024 * 1024;
const NULL_BODY = new Set([101, 204, 205, 304]);

/**
 * fetch, for a URL that passes the check, connecting only to addresses it allows (an LMS's keys, services and
 * registration): any method, the whole Response with its headers. A redirect is refused (OutboundRefused), whatever
 * `redirect` says: its target was never checked. Rejects with OutboundRefused for a refused address or redirect, or
 * the connection's error (refused, timed out, or the signal's reason when aborted).
 */
export async function outboundFetch(url: string | URL, init: OutboundInit = {}, timeoutMs = 15_000): Promise<Response> {
  const headers = Object.fromEntries(new Headers(init.headers));
  let body: Buffer | undefined;
  if (typeof init.body === "string") body = Buffer.from(init.body);
  else if (init.body instanceof URLSearchParams) {
    body = Buffer.from(init.body.toString());
    headers["content-type"] ??= "application/x-www-form-urlencoded;charset=UTF-8";
  } else if (init.body != null) throw new TypeError("outboundFetch sends text and form bodies only");
  const href = String(url);
  const answer = await send(href, init.method ?? "GET", headers, body, {
    timeoutMs,
    maxBytes: MAX_ANSWER_BYTES,
    refuseLarger: true,
    signal: init.signal ?? undefined,
  });
  if (answer.status >= 300 && answer.status < 400)
    throw new OutboundRefused(
      `${href} answered with a redirect (HTTP ${answer.status}${answer.headers.has("location") ? ` to ${answer.headers.get("location")}` : ""}), which Dockyard does not follow.`,
    );
  return new Response(NULL_BODY.has(answer.status) ? null : new Uint8Array(answer.body), { status: answer.status, headers: answer.headers });
}
