import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import Dockerode from "dockerode";
import { DockerSandboxDriver } from "../../lab-runner/src/sandbox/docker";
import { contentDir, engineSocket, stateDir } from "@dockyard/contract/server";
import { startStandins } from "../support/standins";

// The offline package source against a REAL sandbox: inner containers install Debian packages and Python wheels
// from it, and reach nothing else (the internet is stand-ins on this machine: tests/support/standins.ts).
// Prerequisites: `bash scripts/engine.sh start`, `bash scripts/packages.sh` and `bash scripts/images.sh`.

const driver = new DockerSandboxDriver();
const engine = new Dockerode({ socketPath: engineSocket() });
const packagesDir = path.join(stateDir(), "packages");
let id = "";

/** Runs a shell script (given on stdin) in a fresh inner container of `image`. */
function inner(image: string, script: string, opts: { args?: string[]; timeoutMs?: number } = {}) {
  return driver.exec(id, ["docker", "run", "--rm", "-i", ...(opts.args ?? []), image, "sh", "-s"], {
    stdin: script,
    timeoutMs: opts.timeoutMs ?? 120_000,
  });
}

async function succeeds(image: string, script: string, opts?: { args?: string[]; timeoutMs?: number }): Promise<string> {
  const result = await inner(image, script, opts);
  assert.equal(result.exitCode, 0, `${script}\n${result.output}`);
  return result.output;
}

before(async () => {
  await engine.ping().catch((err) => {
    throw new Error(`Dockyard's engine at ${engineSocket()} does not answer (${err}): run \`bash scripts/engine.sh start\``);
  });
  if (!fs.existsSync(path.join(packagesDir, "debian", "Packages"))) throw new Error(`no package source in ${packagesDir}: run \`bash scripts/packages.sh\``);
  id = (await driver.start({ learnerId: `packages-${process.pid}`, lessonSlug: "packages-it", images: ["debian", "python", "busybox"] })).id;
});

after(async () => {
  if (id) await driver.remove(id);
});

test("packages.sh skips the build when its inputs did not change", () => {
  const mtime = fs.statSync(path.join(packagesDir, "debian", "Packages")).mtimeMs;
  const out = execFileSync("bash", ["scripts/packages.sh"], { encoding: "utf8" });
  assert.match(out, /up to date/);
  assert.equal(fs.statSync(path.join(packagesDir, "debian", "Packages")).mtimeMs, mtime);
});

describe("inside a sandbox", { timeout: 600_000 }, () => {
  test("apt-get installs figlet in a debian container", async () => {
    const out = await succeeds("debian", "apt-get update && apt-get install -y figlet && figlet hi");
    assert.match(out, /\| \|__ \(_\)/, out);
  });

  test("every package of content/packages/debian.txt resolves in the debian image", async () => {
    const listed = fs
      .readFileSync(path.join(contentDir(), "packages", "debian.txt"), "utf8")
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith("#"));
    await succeeds("debian", `apt-get update -q && apt-get install -s ${listed.join(" ")}`);
  });

  test("pip installs flask (and the redis client) in a python container", async () => {
    const wheel = fs.readdirSync(path.join(packagesDir, "simple", "flask")).find((f) => f.endsWith(".whl"))!;
    const out = await succeeds(
      "python",
      `pip install flask redis && python -c "import flask, redis, importlib.metadata; print('flask', importlib.metadata.version('flask'))"`,
    );
    assert.match(out, new RegExp(`^flask ${wheel.split("-")[1]!.replace(/\./g, "\\.")}$`, "m"), out);
  });

  test("containers on a user-defined network and docker build RUN steps reach it too", async () => {
    const network = await driver.exec(id, [
      "sh",
      "-c",
      "docker network create pkg-net >/dev/null && docker network inspect -f '{{(index .IPAM.Config 0).Subnet}}' pkg-net",
    ]);
    assert.equal(network.exitCode, 0, network.output);
    assert.match(network.output, /^10\.221\./, "a user network from the inner default-address-pools");
    await succeeds("debian", "apt-get update && apt-get install -y figlet && figlet -v", { args: ["--network", "pkg-net"] });

    const dockerfile = 'FROM debian\nRUN apt-get update && apt-get install -y figlet\nCMD ["figlet", "built"]\n';
    const build = await driver.exec(
      id,
      ["sh", "-c", "mkdir -p /tmp/fig && cat >/tmp/fig/Dockerfile && docker build -q -t fig /tmp/fig && docker run --rm fig"],
      {
        stdin: dockerfile,
        timeoutMs: 120_000,
      },
    );
    assert.equal(build.exitCode, 0, build.output);
    assert.match(build.output, /\|_\.__\/ \\__,_\|_\|_\|\\__\|/, build.output);
  });

  test("the package server serves only the package tree, read-only", async () => {
    const script = `
import http.client
for path in ["/debian/Release", "/", "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/debian/../../../etc/hostname", "/simple/../../course-images/"]:
    c = http.client.HTTPConnection("10.220.0.1", 3142, timeout=5)
    c.request("GET", path)
    r = c.getresponse()
    print(r.status, path, r.read().count(b"root:"))
`;
    const out = await succeeds("python", `python - <<'EOF'${script}EOF`);
    assert.match(out, /^200 \/debian\/Release 0$/m, out);
    for (const line of out.trim().split("\n").slice(1)) assert.match(line, /^(400|403|404) \S+ 0$/, out);
    const write = await driver.exec(id, ["sh", "-c", "touch /opt/dockyard/packages/debian/x"]);
    assert.notEqual(write.exitCode, 0, "the package tree is writable in the sandbox");
  });

  test("nothing else is reachable: not the internet, not the host", async () => {
    const standins = await startStandins();
    const server = net.createServer((socket) => socket.end("host service\n"));
    await new Promise<void>((resolve) => server.listen(0, "0.0.0.0", resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const info = await engine.getContainer(id).inspect();
      const gateway = Object.values(info.NetworkSettings.Networks)[0]!.Gateway;
      const hostAddresses = Object.values(os.networkInterfaces())
        .flat()
        .filter((a) => a && a.family === "IPv4" && !a.internal)
        .map((a) => a!.address);
      // a web server of the internet, by address and as a mirror by name (its DNS server answers the name)
      const internet = [`${standins.internet.ipv4}:80`, `${standins.internet.ipv4}:443`, `${standins.name}:80`];
      const targets = [...internet, ...[gateway, "10.213.0.1", ...hostAddresses].map((host) => `${host}:${port}`)];
      // TCP connects, all at once, each bounded by `timeout` (the host drops what a sandbox sends it, so those
      // only end there); the package server is the positive control
      const control = "10.220.0.1:3142";
      const probes = (list: string[]) =>
        `${list.map((t) => `(timeout 5 nc -w 3 ${t.replace(":", " ")} </dev/null >/dev/null 2>&1 && echo "REACHED ${t}") &`).join("\n")}\nwait`;
      const reached = (output: string) => (output.match(/^REACHED .*$/gm) ?? []).sort();
      // the stand-ins answer the host (by address: the host's resolver is not theirs) and a namespace routed
      // through the host as a sandbox is, which resolves the name at the stand-in DNS server
      for (const [where, list] of [
        [standins.host, internet.slice(0, 2)],
        [standins.neighbour, internet],
      ] as const)
        assert.deepEqual(reached((await where(probes(list))).output), list.map((t) => `REACHED ${t}`).sort());
      const out = await succeeds("busybox", probes([control, ...targets]), { args: ["--dns", standins.dns] });
      assert.deepEqual(out.match(/^REACHED .*$/gm), [`REACHED ${control}`], out);
    } finally {
      server.close();
      await standins.close();
    }
  });
});
