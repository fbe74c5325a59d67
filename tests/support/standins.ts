import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import type { StandinServices } from "./standin-server";

// Stand-in hosts for the network tests, so that they send nothing off this machine: an "internet" host, a cloud
// metadata service and a DNS server, each in a network namespace of its own that the host reaches over a veth
// pair and a host route, plus a "neighbour" namespace standing where a sandbox would be (routed through the host
// like one, but not behind Dockyard's firewall) to show the stand-ins answer forwarded traffic. What keeps a
// sandbox from them is then Dockyard's own firewall (scripts/engine.sh), not their absence.
//
// Addresses (none is routed on the internet nor used by Dockyard, whose plan is at the top of scripts/engine.sh):
//   198.18.0.10, 2001:2::10   the internet host (RFC 2544 / RFC 5180 benchmarking ranges): HTTP on 80 and 443, ping
//   198.18.0.53               the DNS server: answers NAME with the internet host's address, UDP and TCP
//   169.254.169.254           the metadata service, HTTP on 80
//   198.19.K.0/31             the link to stand-in K (host .0, namespace .1); 2001:2:1::/64 the internet's IPv6 link
// The DNS stand-in also answers on the engine's upstream resolvers (where Docker's embedded DNS forwards outside
// names), but only for traffic from the neighbour and from the lab bridges a test admits: a policy route of the
// run's own sends those to it, and the host's own lookups are left alone.
// Names carry the test's pid (namespaces dysi-PID-ROLE, links dysiPIDx, rules tagged dysi-PID, routing table
// TABLE_BASE+PID); close() removes them, and the next run removes those of a run that died before it could.

export interface ShellResult {
  exitCode: number;
  output: string;
}

export interface Standins {
  internet: { ipv4: string; ipv6: string };
  metadata: { address: string; credentials: string };
  dns: string;
  /** The name the DNS stand-in answers (with internet.ipv4). */
  name: string;
  /** The engine's upstream resolvers, answered by the DNS stand-in on the routes from admitted bridges. */
  upstreams: string[];
  /** Runs a busybox sh script on the host. */
  host(script: string): Promise<ShellResult>;
  /** Runs a busybox sh script in the neighbour namespace (its resolv.conf names the DNS stand-in). */
  neighbour(script: string): Promise<ShellResult>;
  /** Sends the engine's upstream resolvers from `bridge` (a sandbox at `from` behind it) to the DNS stand-in. */
  admit(bridge: string, from: string): void;
  close(): Promise<void>;
}

const INTERNET = "198.18.0.10";
const INTERNET6 = "2001:2::10";
const DNS = "198.18.0.53";
const METADATA = "169.254.169.254";
const NAME = "internet.test";
const CREDENTIALS = "/latest/meta-data/iam/security-credentials/";
const TABLE_BASE = 1_000_000_000;
const RULE_PREF = 30_000; // ahead of the main table (32766)
const SERVER = path.join(path.dirname(new URL(import.meta.url).pathname), "standin-server.ts");
const PAGE = (what: string) => `a stand-in ${what} (tests/support/standins.ts)\n`;

/** A stand-in on link K: `addresses` get a host route, `unrouted` ones only the routes a test sets up itself. */
type Role = { k: number; key: string; addresses: string[]; unrouted?: string[]; ipv6?: string; services?: StandinServices };

const sh = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
const tag = (pid: number) => `dysi-${pid}`;
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The resolvers Docker's embedded DNS forwards to, found the way dockerd 20.10 finds them. */
function engineUpstreams(): string[] {
  const servers = (file: string) => [...fs.readFileSync(file, "utf8").matchAll(/^\s*nameserver\s+(\S+)/gm)].map((m) => m[1]!);
  let listed = servers("/etc/resolv.conf");
  if (listed.join() === "127.0.0.53" && fs.existsSync("/run/systemd/resolve/resolv.conf")) listed = servers("/run/systemd/resolve/resolv.conf");
  const usable = listed.filter((s) => net.isIPv4(s) && !s.startsWith("127."));
  return usable.length ? usable : ["8.8.8.8", "8.8.4.4"];
}

/** Removes what a run left behind: everything tagged with `pid`, or with any dead run's pid. */
function sweep(only?: number): void {
  const gone = (pid: number) => (only === undefined ? !alive(pid) : pid === only);
  for (const ns of sh("ip", "netns", "list").match(/^dysi-\d+-\w+/gm) ?? []) {
    if (!gone(Number(ns.split("-")[1]))) continue;
    for (const pid of sh("ip", "netns", "pids", ns).split(/\s+/).filter(Boolean)) process.kill(Number(pid), "SIGKILL");
    sh("ip", "netns", "del", ns); // its veth pair, and the routes over it, go with it
    fs.rmSync(`/etc/netns/${ns}`, { recursive: true, force: true });
  }
  for (const rule of sh("iptables", "-w", "10", "-S", "FORWARD").split("\n")) {
    const pid = /--comment "?dysi-(\d+)/.exec(rule)?.[1];
    if (pid && gone(Number(pid))) sh("iptables", "-w", "10", ...rule.replace(/^-A /, "-D ").replace(/"/g, "").split(" "));
  }
  for (const m of sh("ip", "rule", "list").matchAll(/^(\d+):.* lookup (\d+)/gm)) {
    const table = Number(m[2]);
    if (table > TABLE_BASE && table < TABLE_BASE + 2 ** 23 && gone(table - TABLE_BASE)) sh("ip", "rule", "del", "pref", m[1]!, "table", String(table));
  }
  if (fs.existsSync("/etc/netns") && fs.readdirSync("/etc/netns").length === 0) fs.rmdirSync("/etc/netns");
}

/** Starts a stand-in's services in its namespace; resolves once they listen. */
function startServices(ns: string, services: StandinServices): Promise<ChildProcess> {
  const child = spawn("ip", ["netns", "exec", ns, process.execPath, "--import", "tsx", SERVER, JSON.stringify(services)], { stdio: ["pipe", "pipe", "pipe"] });
  let output = "";
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (d) => {
      output += d;
      if (/^ready$/m.test(output)) resolve(child);
    });
    child.stderr!.on("data", (d) => (output += d));
    child.on("exit", (code) => reject(new Error(`the stand-in services in ${ns} exited (${code}): ${output}`)));
  });
}

/** Runs a busybox sh script (its applets before the host's commands), after `prefix` (e.g. `ip netns exec NS`). */
function shell(prefix: string[], script: string, timeoutMs = 90_000): Promise<ShellResult> {
  const argv = [...prefix, "busybox", "sh", "-c", script];
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"], timeout: timeoutMs });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("close", (code) => resolve({ exitCode: code ?? -1, output }));
  });
}

export async function startStandins(): Promise<Standins> {
  sweep();
  const pid = process.pid;
  const upstreams = engineUpstreams();
  const table = String(TABLE_BASE + pid);
  const metadataPages = { "/latest/meta-data/": "ami-id\nhostname\niam/\ninstance-id\n", [CREDENTIALS]: PAGE("metadata service's role") };
  const internet: Role = {
    k: 0,
    key: "internet",
    addresses: [INTERNET],
    ipv6: INTERNET6,
    services: { http: { ports: [80, 443], pages: { "/": PAGE("internet host") } } },
  };
  const dns: Role = { k: 1, key: "dns", addresses: [DNS], unrouted: upstreams, services: { dns: { [NAME]: INTERNET } } };
  const metadata: Role = { k: 2, key: "metadata", addresses: [METADATA], services: { http: { ports: [80], pages: metadataPages } } };
  const neighbour: Role = { k: 3, key: "neighbour", addresses: [] };
  const link = (role: Role, end: 0 | 1) => `198.19.${role.k}.${end}`;
  const ifc = (role: Role) => `dysi${pid}${role.key[0]}`;
  const nsOf = (role: Role) => `${tag(pid)}-${role.key}`;
  const servers: ChildProcess[] = [];
  const close = async () => {
    for (const server of servers) {
      const exited = new Promise((resolve) => server.once("exit", resolve));
      if (server.exitCode === null && server.kill()) await exited;
    }
    sweep(pid);
  };
  try {
    for (const role of [internet, dns, metadata, neighbour]) {
      const [ns, host] = [nsOf(role), ifc(role)];
      sh("ip", "netns", "add", ns);
      sh("ip", "link", "add", host, "type", "veth", "peer", "name", "eth0", "netns", ns);
      sh("ip", "addr", "add", `${link(role, 0)}/31`, "dev", host);
      sh("ip", "link", "set", host, "up");
      sh("ip", "-n", ns, "link", "set", "lo", "up");
      sh("ip", "-n", ns, "addr", "add", `${link(role, 1)}/31`, "dev", "eth0");
      sh("ip", "-n", ns, "link", "set", "eth0", "up");
      sh("ip", "-n", ns, "route", "add", "default", "via", link(role, 0));
      for (const address of [...role.addresses, ...(role.unrouted ?? [])]) sh("ip", "-n", ns, "addr", "add", `${address}/32`, "dev", "lo");
      for (const address of role.addresses) sh("ip", "route", "add", `${address}/32`, "via", link(role, 1), "dev", host);
      if (role.ipv6) {
        sh("ip", "addr", "add", "2001:2:1::1/64", "dev", host, "nodad");
        sh("ip", "-n", ns, "addr", "add", "2001:2:1::2/64", "dev", "eth0", "nodad");
        sh("ip", "-n", ns, "addr", "add", `${role.ipv6}/128`, "dev", "lo");
        sh("ip", "-n", ns, "-6", "route", "add", "default", "via", "2001:2:1::1");
        sh("ip", "-6", "route", "add", `${role.ipv6}/128`, "via", "2001:2:1::2", "dev", host);
      }
      if (role.services) servers.push(await startServices(ns, role.services));
    }
    // The engine's upstream resolvers, on the DNS stand-in, are reached only through the run's own routing table.
    for (const upstream of upstreams) sh("ip", "route", "add", `${upstream}/32`, "via", link(dns, 1), "dev", ifc(dns), "table", table);
    // The neighbour is forwarded to the stand-ins and back, and nowhere else (the FORWARD chain's policy drops).
    for (const role of [internet, dns, metadata])
      for (const [from, to] of [
        [neighbour, role],
        [role, neighbour],
      ] as const)
        sh("iptables", "-w", "10", "-A", "FORWARD", "-i", ifc(from), "-o", ifc(to), "-m", "comment", "--comment", tag(pid), "-j", "ACCEPT");
    fs.mkdirSync(`/etc/netns/${nsOf(neighbour)}`, { recursive: true });
    fs.writeFileSync(`/etc/netns/${nsOf(neighbour)}/resolv.conf`, `nameserver ${DNS}\n`);
    // Nothing may go to an address outside this machine: each route must end at a stand-in.
    const admit = (bridge: string, from: string) => {
      sh("ip", "rule", "add", "iif", bridge, "lookup", table, "pref", String(RULE_PREF));
      for (const upstream of upstreams) expectRoute(["route", "get", upstream, "from", from, "iif", bridge], ifc(dns));
    };
    admit(ifc(neighbour), link(neighbour, 1));
    for (const role of [internet, dns, metadata]) expectRoute(["route", "get", role.addresses[0]!], ifc(role));
    expectRoute(["-6", "route", "get", INTERNET6], ifc(internet));
    return {
      internet: { ipv4: INTERNET, ipv6: INTERNET6 },
      metadata: { address: METADATA, credentials: CREDENTIALS },
      dns: DNS,
      name: NAME,
      upstreams,
      host: (script) => shell([], script),
      neighbour: (script) => shell(["ip", "netns", "exec", nsOf(neighbour)], script),
      admit,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Throws unless `ip ARGS` (a route lookup) leads to `device`, a stand-in's link. */
function expectRoute(args: string[], device: string): void {
  const route = sh("ip", ...args);
  if (!route.includes(` dev ${device} `)) throw new Error(`ip ${args.join(" ")} does not lead to the stand-in (${device}): ${route}`);
}
