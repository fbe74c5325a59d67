import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import Dockerode from "dockerode";
import { DockerSandboxDriver } from "../../lab-runner/src/sandbox/docker";
import type { ExecResult, Sandbox } from "../../lab-runner/src/sandbox/driver";
import { engineSocket, runnerPort } from "@dockyard/contract/server";
import { startStandins, type Standins } from "../support/standins";

// What a learner can reach over the network, against the REAL engine, from the sandbox as root and from an inner
// `docker run busybox` container: never the host (any address, any port, its Docker engines), another lab or the
// internet. Every probe is a real connection attempt run in parallel in one shell; positive controls prove the
// same probe reaches what it should. The internet, its DNS and cloud metadata are stand-ins on this machine
// (tests/support/standins.ts) that the host reaches: nothing is sent off it.
// Prerequisites: `bash scripts/engine.sh start` and `bash scripts/images.sh`.

type Probe = { label: string; kind: "tcp" | "icmp" | "dns" | "http"; host: string; port?: number; name?: string };
const tcp = (label: string, host: string, port: number): Probe => ({ label: `${label} ${host}:${port}`, kind: "tcp", host, port });
const icmp = (label: string, host: string): Probe => ({ label: `${label} ${host} (ping)`, kind: "icmp", host });
const dns = (label: string, server: string, name: string): Probe => ({ label: `${label} ${server} (UDP DNS ${name})`, kind: "dns", host: server, name });
const web = (label: string, host: string, port: number, path: string): Probe => ({
  label: `${label} http://${host}:${port}${path}`,
  kind: "http",
  host,
  port,
  name: path,
});

const run = `net${process.pid}`;
const driver = new DockerSandboxDriver();
const engine = new Dockerode({ socketPath: engineSocket() });
const created: string[] = [];
const server = net.createServer((socket) => socket.end("host service\n"));
let a: Sandbox; // the learner probing
let b: Sandbox; // another learner, whose lab has a registry
let port = 0;
let standins: Standins;

// Each probe writes its result to a file of its own (concurrent writers to one pipe interleave in busybox sh).
const SH = `R=$(mktemp -d); w() { printf '@%s|%s|%s\\n' "$1" "$2" "$(printf %s "$3" | tr '\\n' ' ')" >"$R/$1"; }
t() { o=$(busybox timeout 8 busybox nc -w 2 "$2" "$3" </dev/null 2>&1); w "$1" $? "$o"; }
i() { o=$(busybox timeout 8 busybox ping -c 1 -W 2 "$2" 2>&1); w "$1" $? "$o"; }
d() { o=$(busybox timeout 12 busybox nslookup "$3" "$2" 2>&1); w "$1" $? "$o"; }
h() { o=$(busybox timeout 8 busybox wget -q -O - "http://$2:$3$4" 2>&1); w "$1" $? "$o"; }
`;
const line = (p: Probe, n: number) => `${p.kind[0]} ${n} ${p.host} ${[p.port, p.name].filter((x) => x !== undefined).join(" ")} &`;

function verdict(p: Probe, rc: number, out: string): string {
  if (/timed out|no servers could be reached/i.test(out)) return "timeout";
  if (/refused|SERVFAIL/i.test(out)) return "refused";
  if (/unreachable/i.test(out)) return "unreachable";
  if (p.kind === "icmp") return rc === 0 ? "REACHED" : /100% packet loss/.test(out) ? "no reply" : `unclear (rc=${rc}: ${out})`;
  if (p.kind === "dns") return /Name:\s*\S+\s+Address|NXDOMAIN/.test(out) || rc === 0 ? "ANSWERED" : `unclear (rc=${rc}: ${out})`;
  if (p.kind === "http") return rc === 0 && /stand-in/.test(out) ? "ANSWERED" : rc === 143 ? "timeout" : `unclear (rc=${rc}: ${out})`;
  return rc === 0 ? "CONNECTED" : `unclear (rc=${rc}: ${out})`;
}
const reached = (v: string) => /^(CONNECTED|REACHED|ANSWERED)$/.test(v);
const blocked = (v: string) => /^(timeout|refused|unreachable|no reply)$/.test(v);

const inSandbox = (id: string) => (script: string) => driver.exec(id, ["bash", "-c", script], { timeoutMs: 90_000 });
// An inner container on a user-defined inner network (so its own 127.0.0.11 answers the DNS control), which
// forwards outside names to the DNS stand-in.
const inInner = (id: string) => (script: string) =>
  driver.exec(id, ["docker", "run", "--rm", "-i", "--network", "probes", "--dns", standins.dns, "--name", "probe", "busybox", "sh"], {
    stdin: script,
    timeoutMs: 90_000,
  });

/** Runs every probe at once in `where`; asserts the controls got through and the attempts did not. */
async function probe(where: string, exec: (script: string) => Promise<ExecResult>, controls: Probe[], attempts: Probe[]): Promise<void> {
  const all = [...controls, ...attempts];
  const { output } = await exec(SH + all.map(line).join("\n") + '\nwait; cat "$R"/*; rm -rf "$R"\n');
  const results = new Map([...output.matchAll(/^@(\d+)\|(\d+)\|(.*)$/gm)].map((m) => [Number(m[1]), verdict(all[Number(m[1])]!, Number(m[2]), m[3]!)]));
  const got = all.map((p, n) => ({ p, v: results.get(n) ?? `no result (${output.slice(-300)})`, control: n < controls.length }));
  for (const { p, v, control } of got) console.log(`# ${where} -> ${p.label}${control ? " [control]" : ""} | ${v}`);
  assert.deepEqual(
    got.filter((r) => r.control && !reached(r.v)).map((r) => `${r.p.label}: ${r.v}`),
    [],
    `controls failed in ${where}: the probe does not work`,
  );
  assert.deepEqual(
    got.filter((r) => !r.control && !blocked(r.v)).map((r) => `${r.p.label}: ${r.v}`),
    [],
    `HOLE: reached from ${where}`,
  );
}

const hostAddrs = (family: "-4" | "-6", scope = "global") =>
  [...execFileSync("ip", [family, "-o", "addr", "show", "scope", scope], { encoding: "utf8" }).matchAll(/^\d+:\s+(\S+)\s+inet6?\s+([^/\s]+)/gm)].map((m) => ({
    ifc: m[1]!,
    ip: m[2]!,
  }));
const hostConnect = (host: string, p: number) =>
  new Promise<string>((resolve) => {
    const c = net.connect({ host, port: p, timeout: 3_000 }, () => (p === port ? undefined : (c.destroy(), resolve("CONNECTED"))));
    c.on("data", (d) => (c.destroy(), resolve(d.toString() === "host service\n" ? "CONNECTED" : "unexpected data")));
    c.on("timeout", () => (c.destroy(), resolve("timeout")));
    c.on("error", (e) => resolve(e.message));
  });
const labBridge = async (s: Sandbox) => (await engine.getNetwork(`${s.id}-net`).inspect()).Options?.["com.docker.network.bridge.name"] as string;
const outside = (s: Standins) => [
  tcp("internet", s.internet.ipv4, 443),
  icmp("internet", s.internet.ipv4),
  tcp("internet DNS server", s.dns, 53),
  dns("internet DNS server", s.dns, s.name),
  tcp("cloud metadata", s.metadata.address, 80),
  web("cloud metadata", s.metadata.address, 80, s.metadata.credentials),
];
// The engine's upstream resolvers are where Docker's embedded DNS sends outside names: the DNS stand-in answers
// for them on the routes from sandbox A's bridge and from the neighbour namespace only (never from the host).
const upstreams = (s: Standins) => s.upstreams.map((r) => dns("engine's upstream resolver (stand-in)", r, s.name));

before(async () => {
  await engine.ping().catch((err) => {
    throw new Error(`Dockyard's engine at ${engineSocket()} does not answer (${err}): run \`bash scripts/engine.sh start\` and \`bash scripts/images.sh\``);
  });
  await new Promise<void>((resolve) => server.listen({ port: 0, host: "::", ipv6Only: false }, resolve)); // 0.0.0.0 and [::]
  port = (server.address() as net.AddressInfo).port;
  standins = await startStandins();
  const boot = async (learner: string, registry: boolean) => {
    const s = await driver.start({ learnerId: `${run}-${learner}`, lessonSlug: "netsec", images: ["busybox"], registry });
    created.push(s.id);
    return s;
  };
  [a, b] = await Promise.all([boot("alice", false), boot("bob", true)]);
  standins.admit(await labBridge(a), Object.values((await engine.getContainer(a.id).inspect()).NetworkSettings.Networks)[0]!.IPAddress);
  const setup = await Promise.all([
    driver.exec(a.id, ["docker", "network", "create", "probes"]),
    driver.exec(b.id, ["docker", "run", "-d", "-p", "8080:80", "busybox", "httpd", "-f", "-p", "80"]),
  ]);
  for (const r of setup) assert.equal(r.exitCode, 0, r.output);
});

after(async () => {
  for (const id of created) await driver.remove(id);
  await standins?.close();
  server.close();
});

describe("a learner's network reach", { timeout: 300_000 }, () => {
  const ownControls = (self: string) => [
    tcp("own package server", "10.220.0.1", 3142),
    icmp("own docker0", "10.220.0.1"),
    dns("own resolver", "127.0.0.11", self),
  ];
  const contexts = () => [
    { where: "sandbox root", exec: inSandbox(a.id), controls: ownControls("netsec") },
    { where: "inner container", exec: inInner(a.id), controls: ownControls("probe") },
  ];

  test("no host address, on the platform's ports, Docker's API ports or a listener of the test's own on 0.0.0.0", async () => {
    const addrs = hostAddrs("-4").filter((x) => !x.ip.startsWith("127.")); // 127.0.0.1 in a sandbox is its own loopback
    const gateway = Object.values((await engine.getContainer(a.id).inspect()).NetworkSettings.Networks)[0]!.Gateway;
    assert.ok(addrs.some((x) => x.ip === gateway) && addrs.some((x) => x.ip === "10.213.0.1"), `lab gateway and dybr0 among ${JSON.stringify(addrs)}`);
    const ports: [string, number][] = [
      ["test listener", port],
      ["lab-runner", runnerPort()],
      ["site", Number(process.env.PORT ?? 3000)],
      ["postgres", Number(process.env.DOCKYARD_POSTGRES_PORT ?? 5433)],
      ["docker API", 2375],
      ["docker TLS API", 2376],
    ];
    for (const { ifc, ip } of addrs) {
      const v = await hostConnect(ip, port);
      const gone = v !== "CONNECTED" && !hostAddrs("-4").some((x) => x.ip === ip); // another test's lab bridge went away
      console.log(`# host -> test listener ${ip}:${port} (${ifc}) [control] | ${gone ? "address gone meanwhile" : v}`);
      assert.ok(v === "CONNECTED" || gone, `the test's listener answers the host on ${ip}: ${v}`);
    }
    const attempts = addrs.flatMap(({ ifc, ip }) => [icmp(`host ${ifc}`, ip), ...ports.map(([what, p]) => tcp(`host ${ifc} ${what}`, ip, p))]);
    for (const c of contexts()) await probe(c.where, c.exec, c.controls, attempts);
  });

  test("no Docker socket but the sandbox's own engine: not Dockyard's engine, not the host's daemon", async () => {
    const forbidden = [(await engine.info()).ID as string];
    if (fs.existsSync("/var/run/docker.sock")) forbidden.push((await new Dockerode({ socketPath: "/var/run/docker.sock" }).info()).ID as string);
    const script = `echo "own=$(docker info --format '{{.ID}}')"; for p in ${engineSocket()} /var/lib/dockyard; do test -e $p && echo "present=$p"; done
      find / \\( -path /proc -o -path /sys \\) -prune -o -type s -print 2>/dev/null | while read -r s; do echo "socket=$s|$(timeout 5 docker -H unix://$s info --format '{{.ID}}' 2>/dev/null)"; done`;
    const root = (await inSandbox(a.id)(script)).output;
    const own = /^own=(\S+)$/m.exec(root)?.[1] ?? "";
    assert.match(own, /^[A-Z0-9]{4}(:[A-Z0-9]{4}){11}$/, `docker info works in the sandbox (control): ${root}`);
    const sockets = [...root.matchAll(/^socket=(.*)\|(.*)$/gm)].map((m) => ({ path: m[1]!, id: m[2]! }));
    for (const s of sockets)
      console.log(`# sandbox root -> socket ${s.path} | ${s.id ? (s.id === own ? "the sandbox's own engine" : `ENGINE ${s.id}`) : "no Docker engine answers"}`);
    assert.ok(
      sockets.some((s) => s.path === "/run/docker.sock" && s.id === own),
      "/var/run/docker.sock (/run) is the sandbox's own engine",
    );
    assert.deepEqual(
      sockets.filter((s) => s.id && (s.id !== own || forbidden.includes(s.id))),
      [],
      "a socket of another engine is in the sandbox",
    );
    assert.doesNotMatch(root, /^present=/m, "Dockyard's engine socket path exists in the sandbox");
    const inner = await inInner(a.id)(
      `ls -d /var/run/docker.sock ${engineSocket()} 2>&1; find / \\( -path /proc -o -path /sys \\) -prune -o -type s -print; echo done`,
    );
    console.log(`# inner container -> docker.sock, ${engineSocket()} | ${/^\//m.test(inner.output) ? "PRESENT" : "absent"}`);
    assert.match(inner.output, /done/, inner.output);
    assert.doesNotMatch(inner.output, /^\//m, "a socket or an engine path is present in the inner container");
  });

  test("not another learner's sandbox, nor another lab's registry", async () => {
    const lab = async (s: Sandbox) => Object.entries((await engine.getContainer(s.id).inspect()).NetworkSettings.Networks)[0]!;
    const [netA, netB] = [await lab(a), await lab(b)];
    assert.notEqual(netA[0], netB[0], "separate networks");
    assert.notEqual(netA[1].Gateway, netB[1].Gateway);
    for (const n of [netA[1], netB[1]]) assert.match(n.IPAddress, /^10\.214\.\d+\.\d+$/, "on a lab subnet");
    const registry = new URL((await driver.registry(b.id))!.url).hostname;
    const theirs = [
      tcp("other learner's published port", netB[1].IPAddress, 8080),
      icmp("other learner", netB[1].IPAddress),
      tcp("other lab's registry", registry, 5000),
      icmp("other lab's registry", registry),
    ];
    await probe("other learner's own sandbox", inSandbox(b.id), theirs, []); // the targets are alive
    for (const c of contexts()) await probe(c.where, c.exec, c.controls, theirs);
  });

  test("not the internet, cloud metadata or any outside DNS server (nor outside names through Docker's DNS)", async () => {
    // The stand-ins answer the host, and a namespace routed through the host as a sandbox is: what keeps the
    // sandbox from them is Dockyard's firewall.
    await probe("host", standins.host, outside(standins), []);
    await probe(
      "neighbour namespace (where a sandbox would be, outside Dockyard's firewall)",
      standins.neighbour,
      [...outside(standins), ...upstreams(standins)],
      [],
    );
    const attempts = [...outside(standins), ...upstreams(standins), dns("outside name via Docker's embedded DNS", "127.0.0.11", standins.name)];
    for (const c of contexts()) await probe(c.where, c.exec, c.controls, attempts);
  });

  // Runs last: it turns IPv6 on in sandbox A (sandbox root can, by writing disable_ipv6 through a fresh procfs
  // mount); engine.sh's ip6tables rules must still keep it from the host (and from the internet stand-in, which a
  // host that does not forward IPv6 keeps out of reach anyway).
  test("not the host over IPv6, even after sandbox root turns IPv6 on through a fresh procfs", async () => {
    const bridge = await labBridge(a);
    const linkLocal = hostAddrs("-6", "link").find((x) => x.ifc === bridge)?.ip;
    if (!linkLocal) return console.log(`# host -> IPv6 on ${bridge} | off on the host: nothing to reach`);
    for (const [what, ip, p] of [
      ["test listener", `${linkLocal}%${bridge}`, port],
      ["test listener", "::1", port],
      ["internet", standins.internet.ipv6, 443],
    ] as const) {
      const v = await hostConnect(ip, p);
      console.log(`# host -> ${what} [${ip}]:${p} [control] | ${v}`);
      assert.equal(v, "CONNECTED");
    }
    console.log(`# host forwards IPv6 | ${fs.readFileSync("/proc/sys/net/ipv6/conf/all/forwarding", "utf8").trim() === "1" ? "yes" : "no"}`);
    const enable = await inSandbox(a.id)(`mkdir -p /tmp/p6 && mount -t proc proc /tmp/p6 && echo 0 > /tmp/p6/sys/net/ipv6/conf/eth0/disable_ipv6; umount /tmp/p6
      for n in $(seq 50); do ip -6 -o addr show dev eth0 scope link | grep -v tentative | grep -q inet6 && break; sleep 0.1; done
      ip -6 route add default via ${linkLocal} dev eth0; ip -6 -o addr show dev eth0`);
    console.log(`# sandbox root -> turn IPv6 on (fresh procfs) | ${/inet6 fe80/.test(enable.output) ? "IPv6 ON" : "refused"}`);
    const attempts = [
      tcp("host link-local of the lab bridge", `${linkLocal}%eth0`, port),
      ...hostAddrs("-6").map(({ ifc, ip }) => tcp(`host ${ifc}`, ip, port)),
      tcp("internet", standins.internet.ipv6, 443),
    ];
    await probe("sandbox root", inSandbox(a.id), [tcp("own package server", "10.220.0.1", 3142)], attempts);
  });
});
