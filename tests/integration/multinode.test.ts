import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Dockerode from "dockerode";
import { DockerSandboxDriver } from "../../lab-runner/src/sandbox/docker";
import { assertDisksGone, nodeDisksOf } from "../support/disks";
import { LabManager } from "../../lab-runner/src/labs";
import { parseLesson, issueLabToken, engineSocket, stateDir, BOOT_STAGES, type RegistryCredentials, type ServerMessage } from "@dockyard/contract/server";
import { spawnPty } from "../../lab-runner/src/terminal/pty";
import { createServer } from "../../lab-runner/src/http/server";
import { rehearsalLabs, rehearseLesson } from "../../lab-runner/src/authoring/rehearse";
import { TerminalClient } from "../support/terminal-client";

// A lab of three nodes with a private registry, on the REAL engine, through the real LabManager and HTTP and
// WebSocket server: isolation, swarm across the nodes, the registry from several nodes, compose, checks on a
// node, terminals per node, removal. Prerequisites: `bash scripts/engine.sh start` and `bash scripts/images.sh`.

const SWARM = "multinode-it";
const SINGLE = "multinode-it-single";
const front = (title: string, extra: string) => `---\ntitle: ${title}\nsummary: S\norder: 1\nminutes: 5\nimages: [busybox]\n${extra}---\n\n`;
const check = (yaml: string) => "```check\n" + yaml + "\n```\n";
const LESSONS = {
  [SWARM]: parseLesson(
    front("Swarm", "nodes: 3\nregistry: true\n") +
      `<Step id="join" title="Join the swarm" node="node2">\n\n${check(
        "kind: script\nnode: node2\nscript: test \"$(docker info --format '{{.Swarm.LocalNodeState}}')\" = active",
      )}\n</Step>\n\n` +
      `<Step id="push" title="Push">\n\n${check("kind: registry\nrepository: registry:5000/app\ntag: v1")}\n</Step>\n`,
    "lesson.mdx",
    SWARM,
  ),
  [SINGLE]: parseLesson(front("Single", "") + '<Step id="x" title="X">\n\n' + check('kind: script\nscript: "true"') + "\n</Step>\n", "lesson.mdx", SINGLE),
};

const run = `mn-${process.pid}`;
const secret = "multinode-it-secret";
const driver = new DockerSandboxDriver();
const engine = new Dockerode({ socketPath: engineSocket() });
const labs = new LabManager(driver, { idleTimeoutMs: 3_600_000, findLesson: (slug) => LESSONS[slug as keyof typeof LESSONS], spawnPty });
const server = createServer(labs, secret);
let base = "";
let lab = "";
let other = "";

async function sh(node: string, script: string, id = lab): Promise<string> {
  const result = await driver.exec(id, ["sh", "-c", script], { node, timeoutMs: 120_000 });
  assert.equal(result.exitCode, 0, `${node}: ${script}\n${result.output}`);
  return result.output;
}

const fails = async (node: string, script: string, id = lab) => (await driver.exec(id, ["sh", "-c", script], { node, timeoutMs: 30_000 })).exitCode !== 0;

const token = (learner: string, lesson: string, sandbox: string) => issueLabToken(secret, { learner, sandbox, lesson }, 600);

async function addresses(id: string): Promise<Record<string, string>> {
  const containers = await engine.listContainers({ filters: { label: [`dockyard.lab=${id}`] } });
  return Object.fromEntries(containers.map((c) => [c.Labels["dockyard.node"] ?? "registry", Object.values(c.NetworkSettings.Networks)[0]!.IPAddress]));
}

before(async () => {
  await engine.ping();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `127.0.0.1:${(server.address() as { port: number }).port}`;
});

after(async () => {
  for (const id of [lab, other]) if (id) await labs.remove(id);
  await new Promise((resolve) => server.close(resolve));
});

describe("a lab of three nodes with a registry", { timeout: 600_000 }, () => {
  test("boots through every stage, all nodes at once; nodes are node1..3 and reach each other by name", async () => {
    const t0 = performance.now();
    lab = await labs.ensure(`${run}-ann`, SWARM);
    const seen: ServerMessage[] = [];
    const sandbox = await labs.watch(lab, (m) => seen.push(m));
    console.log(`# 3-node lab with registry, cold start until ready: ${Math.round(performance.now() - t0)} ms`);
    assert.deepEqual(
      seen.filter((m) => m.type === "stage").map((m) => (m as { stage: string }).stage),
      [...BOOT_STAGES],
    );
    assert.deepEqual(sandbox.nodes, ["node1", "node2", "node3"]);
    assert.equal(sandbox.running, true);
    for (const node of sandbox.nodes) {
      assert.equal((await sh(node, "hostname")).trim(), node);
      assert.match(await sh(node, "docker info --format '{{.ServerVersion}}'"), /^\d+\.\d+/, "every node's inner docker works");
    }
    await sh("node1", "ping -c 1 -W 2 node2 && ping -c 1 -W 2 node3");
    await sh("node3", "ping -c 1 -W 2 node1 && getent hosts registry");
    const found = await new DockerSandboxDriver().get(lab);
    assert.deepEqual([found?.nodes, found?.running], [["node1", "node2", "node3"], true], "a fresh driver finds the lab by its labels");
  });

  test("another lab cannot reach its nodes or its registry, nor they the other lab", async () => {
    other = await labs.ensure(`${run}-bob`, SINGLE);
    await labs.watch(other, () => {});
    const mine = await addresses(lab);
    const theirs = await addresses(other);
    assert.equal(Object.keys(mine).length, 4, JSON.stringify(mine));
    for (const [name, ip] of Object.entries(mine)) {
      const r = await driver.exec(other, ["ping", "-c", "1", "-W", "2", ip], { timeoutMs: 30_000 });
      assert.ok(r.exitCode !== 0, `the other lab pinged ${name} ${ip} ${JSON.stringify(mine)} ${JSON.stringify(theirs)}: ${r.output}`);
    }
    assert.ok(await fails("node1", `curl -sS -m 3 http://${mine.registry}:5000/v2/`, other), "the other lab reached the registry");
    assert.ok(await fails("node1", "getent hosts node2 || getent hosts registry", other), "the other lab resolves this lab's names");
    assert.ok(await fails("node2", `ping -c 1 -W 2 ${theirs.node1}`), "a node pinged the other lab");
  });

  test("the step is written on every node", async () => {
    await labs.setStep(lab, "join");
    for (const node of ["node1", "node2", "node3"]) assert.equal(await sh(node, "cat /run/dockyard/step"), "join\n");
  });

  test("the terminal takes ?node=: node2 gets node2's shell, whose commands are recorded there; node9 is refused", async () => {
    const t = token(`${run}-ann`, SWARM, lab);
    const second = new TerminalClient(`ws://${base}/sandboxes/${lab}/terminal?token=${encodeURIComponent(t)}&node=node2`);
    await second.ready();
    second.type("echo on-$(hostname)\r");
    await second.waitForText("on-node2");
    const deadline = Date.now() + 10_000;
    while (!(await labs.commands(lab, "join", "node2")).some((c) => c.command === "echo on-$(hostname)")) {
      assert.ok(Date.now() < deadline, "the command was not recorded on node2");
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.deepEqual(await labs.commands(lab, "join", "node1"), []);
    second.close();

    const missing = new TerminalClient(`ws://${base}/sandboxes/${lab}/terminal?token=${encodeURIComponent(t)}&node=node9`);
    await missing.waitForClose();
    assert.equal(missing.closed?.code, 4404);
    assert.deepEqual(missing.messages, [{ type: "error", code: "unknown_node", message: "This lab has no node “node9”; its nodes are node1, node2, node3." }]);
  });

  test("swarm: init on node1, join from node2 and node3 (a check on node2 follows), 3 replicas on 3 different nodes", async () => {
    const before = await labs.check(lab, SWARM, "join");
    assert.equal(before.passed, false, before.message);
    const ip = (await sh("node1", "ip -4 -o addr show eth0 | awk '{print $4}' | cut -d/ -f1")).trim();
    await sh("node1", `docker swarm init --advertise-addr ${ip}`);
    const joinToken = (await sh("node1", "docker swarm join-token -q worker")).trim();
    await Promise.all(["node2", "node3"].map((node) => sh(node, `docker swarm join --token ${joinToken} node1:2377`)));
    const joined = await labs.check(lab, SWARM, "join");
    assert.equal(joined.passed, true, joined.message);
    assert.ok(
      joined.commands?.every((c) => c.node),
      "a lab of several nodes tags the evidence with the node",
    );

    const nodes = (await sh("node1", "docker node ls --format '{{.Hostname}} {{.Status}}'")).trim().split("\n").sort();
    assert.deepEqual(nodes, ["node1 Ready", "node2 Ready", "node3 Ready"]);
    const t0 = performance.now();
    await sh("node1", "docker service create --detach=false --quiet --name sleepers --replicas 3 busybox sleep 1d");
    console.log(`# swarm service of 3 replicas converged in ${Math.round(performance.now() - t0)} ms`);
    const placed = await sh("node1", "docker service ps sleepers --filter desired-state=running --format '{{.Node}} {{.CurrentState}}'");
    const rows = placed.trim().split("\n");
    assert.equal(rows.length, 3, placed);
    assert.ok(
      rows.every((r) => / Running /.test(r)),
      placed,
    );
    assert.deepEqual(rows.map((r) => r.split(" ")[0]).sort(), ["node1", "node2", "node3"], "one replica on each node");
  });

  test("registry: credentials from the API, login and push on node1, pull on node2; the registry check follows", async () => {
    const res = await fetch(`http://${base}/sandboxes/${lab}/registry`, { headers: { authorization: `Bearer ${token(`${run}-ann`, SWARM, lab)}` } });
    assert.equal(res.status, 200);
    const creds = (await res.json()) as RegistryCredentials;
    assert.equal(creds.host, "registry:5000");
    assert.equal(creds.username, "learner");
    assert.match(creds.password, /^[\w-]{16,}$/);
    for (const node of ["node1", "node2"]) assert.equal((await sh(node, "cat /run/dockyard/registry-password")).trim(), creds.password, `on ${node}`);

    const notYet = await labs.check(lab, SWARM, "push");
    assert.equal(notYet.passed, false);
    assert.equal(notYet.message, "The registry has no repository “app” yet; tag an image as registry:5000/app:v1 and docker push it.");
    assert.ok(await fails("node1", "docker login registry:5000 -u learner -p wrong-password"), "a wrong password is refused");
    const login = `echo '${creds.password}' | docker login ${creds.host} -u ${creds.username} --password-stdin`;
    await sh("node1", `${login} && docker tag busybox ${creds.host}/app:v1 && docker push ${creds.host}/app:v1`);
    const pushed = await labs.check(lab, SWARM, "push");
    assert.equal(pushed.passed, true, pushed.message);
    assert.deepEqual(pushed.criteria, [{ name: "registry:5000/app:v1 pushed", passed: true, message: "The registry has registry:5000/app:v1." }]);
    await sh("node2", `${login} && docker pull ${creds.host}/app:v1 && docker run --rm ${creds.host}/app:v1 echo pulled-ok | grep pulled-ok`);

    const single = await fetch(`http://${base}/sandboxes/${other}/registry`, { headers: { authorization: `Bearer ${token(`${run}-bob`, SINGLE, other)}` } });
    assert.equal(single.status, 404);
    assert.equal(((await single.json()) as { error: string }).error, "no_registry");
  });

  test("docker-compose up -d of two services on a node", async () => {
    await sh(
      "node3",
      `mkdir -p /root/app && cd /root/app && cat >docker-compose.yml <<'EOF'
version: "3.8"
services:
  web:
    image: busybox
    command: ["sh", "-c", "mkdir -p /www && echo hello from compose >/www/index.html && exec httpd -f -p 80 -h /www"]
  client:
    image: busybox
    command: ["sh", "-c", "while true; do wget -q -O- http://web/; sleep 1; done"]
    depends_on: [web]
EOF
docker-compose up -d`,
    );
    assert.deepEqual((await sh("node3", "cd /root/app && docker-compose ps --services --filter status=running")).trim().split("\n").sort(), ["client", "web"]);
    const deadline = Date.now() + 20_000;
    while (!(await sh("node3", "cd /root/app && docker-compose logs client")).includes("hello from compose")) {
      assert.ok(Date.now() < deadline, "the client never reached the web service by its name");
      await new Promise((r) => setTimeout(r, 500));
    }
  });

  test("removing the lab leaves no container, disk, network or host directory", async () => {
    const containers = await engine.listContainers({ all: true, filters: { label: [`dockyard.lab=${lab}`] } });
    assert.equal(containers.length, 4, "three nodes and the registry");
    const disks = containers.flatMap((c) => nodeDisksOf(c.Mounts));
    assert.equal(disks.length, 3, "a disk of its own per node");
    const network = `${lab}-net`;
    await engine.getNetwork(network).inspect();
    await labs.remove(lab);
    assert.deepEqual(await engine.listContainers({ all: true, filters: { label: [`dockyard.lab=${lab}`] } }), []);
    for (const c of containers) await assert.rejects(engine.getContainer(c.Id).inspect(), { statusCode: 404 });
    assertDisksGone(disks);
    await assert.rejects(engine.getNetwork(network).inspect(), { statusCode: 404 });
    assert.deepEqual(
      fs.readdirSync(`${stateDir()}/sandboxes`).filter((d) => d.startsWith(lab)),
      [],
    );
    assert.equal(await driver.get(lab), undefined);
    lab = "";
  });
});

describe("lessons:test on a lab of two nodes", { timeout: 300_000 }, () => {
  test('a step with node="node2" is typed into node2\'s terminal and its check judged there', async () => {
    const content = fs.mkdtempSync(path.join(os.tmpdir(), "dockyard-multinode-"));
    const slug = "multinode-rehearsal";
    fs.mkdirSync(path.join(content, "lessons", slug), { recursive: true });
    fs.writeFileSync(
      path.join(content, "lessons", slug, "lesson.mdx"),
      front("Two nodes", "nodes: 2\n") +
        '<Step id="mark" title="Mark node2" node="node2">\n\n```sh run\ntouch /root/marked-on-$(hostname)\n```\n\n' +
        check("kind: file\npath: /root/marked-on-node2\nnode: node2") +
        "\n```sh wrong\ntouch /root/marked-on-elsewhere\n```\n\n</Step>\n",
    );
    try {
      const report = await rehearseLesson(rehearsalLabs(content), slug);
      assert.equal(report.ok, true, JSON.stringify(report, null, 2));
      assert.deepEqual(
        report.steps[0]!.attempts.map((a) => [a.phase, a.passed]),
        [
          ["before", false],
          ["wrong", false],
          ["solution", true],
        ],
      );
      assert.deepEqual(
        (await driver.list()).filter((s) => s.lessonSlug === slug),
        [],
        "its lab was removed",
      );
    } finally {
      fs.rmSync(content, { recursive: true, force: true });
    }
  });
});
