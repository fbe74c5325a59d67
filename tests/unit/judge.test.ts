import { test } from "node:test";
import assert from "node:assert/strict";
import { judge } from "../../lab-runner/src/checks/judge";
import type { JudgeContext } from "../../lab-runner/src/checks/context";
import { sameImage } from "../../lab-runner/src/checks/container";
import { checkSchema, type Check, type RecordedCommand } from "@dockyard/contract/server";

// The inner Engine API is faked here (a unit-test boundary); tests/integration/checks.test.ts judges every
// kind against a real one.
interface FakeContainer {
  Id: string;
  Image: string;
  ImageID: string;
  Names: string[];
  State: string;
  logs: string;
  ExitCode?: number;
  Labels?: Record<string, string>;
  Env?: string[];
  Ports?: Record<string, { HostIp: string; HostPort: string }[]>;
}

const notFound = () => Object.assign(new Error("(HTTP code 404) no such object"), { statusCode: 404 });

function frame(text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = 1;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

function context(containers: FakeContainer[], exec = { exitCode: 0, output: "" }, commands: RecordedCommand[] = []): JudgeContext {
  const find = (ref: string) => containers.find((c) => c.Id === ref || c.Names.includes(`/${ref}`));
  return {
    docker: {
      listContainers: async () => containers,
      getContainer: (ref: string) => ({
        logs: async () => frame(find(ref)!.logs),
        inspect: async () => {
          const c = find(ref);
          if (!c) throw notFound();
          return {
            Id: c.Id,
            Name: c.Names[0],
            Image: c.ImageID,
            Config: { Image: c.Image, Labels: c.Labels ?? {}, Env: c.Env ?? [] },
            State: { Status: c.State, Running: c.State === "running", ExitCode: c.ExitCode ?? 0 },
            NetworkSettings: { Ports: c.Ports ?? {}, Networks: {} },
            HostConfig: {},
            Mounts: [],
          };
        },
      }),
      getImage: (ref: string) => ({
        inspect: async () => {
          if (ref.startsWith("busybox")) return { Id: "sha256:bb" };
          throw notFound();
        },
      }),
    } as unknown as JudgeContext["docker"],
    exec: async () => exec,
    commands: async () => commands,
  };
}

const busybox = (logs: string, extra: Partial<FakeContainer> = {}): FakeContainer => ({
  Id: Math.random().toString(36),
  Image: "busybox",
  ImageID: "sha256:bb",
  Names: ["/funny_name"],
  State: "exited",
  logs,
  ...extra,
});

const check = (yaml: Record<string, unknown>): Check[] => [checkSchema.parse(yaml)];
const HELLO = check({ kind: "container", image: "busybox", logsContain: "hello world" });

test("image references: a missing tag means latest", () => {
  assert.ok(sameImage("busybox", "busybox:latest"));
  assert.ok(sameImage("busybox:latest", "busybox"));
  assert.ok(!sameImage("busybox", "busybox:1.36"));
  assert.ok(!sameImage("busybox", "registry:5000/busybox"));
  assert.ok(sameImage("localhost:5000/app", "localhost:5000/app:latest"));
});

test("a container from the image whose output contains the text passes", async () => {
  const result = await judge(HELLO, context([busybox("hello\n"), busybox("hello world\n")]));
  assert.equal(result.passed, true);
  assert.deepEqual(
    result.criteria.map((c) => c.passed),
    [true, true],
  );
});

test("no container at all says what is missing", async () => {
  const result = await judge(HELLO, context([]));
  assert.equal(result.passed, false);
  assert.match(result.message, /No container from the image busybox has run yet/);
});

test("a wrong command's output is quoted next to what was expected", async () => {
  const result = await judge(HELLO, context([busybox("hello\n")]));
  assert.equal(result.passed, false);
  assert.match(result.message, /^The busybox container ran, but its output was “hello”, which does not contain “hello world”\.$/);
});

test("containers of another image do not count, even with the right output; the image id counts", async () => {
  assert.equal((await judge(HELLO, context([busybox("hello world", { Image: "debian", ImageID: "sha256:de" })]))).passed, false);
  assert.equal((await judge(HELLO, context([busybox("hello world", { Image: "3f2a", ImageID: "sha256:bb" })]))).passed, true);
});

test("status and name criteria are judged and explained", async () => {
  const running = check({ kind: "container", image: "busybox", status: "running", name: "clock" });
  const exited = await judge(running, context([busybox("", { Names: ["/clock"] })]));
  assert.equal(exited.passed, false);
  assert.match(exited.message, /The container “clock” is exited, not running/);
  const unnamed = await judge(running, context([busybox("", { State: "running" })]));
  assert.equal(unnamed.message, "No container named “clock” exists yet.");
  const otherImage = await judge(running, context([busybox("", { Names: ["/clock"], State: "running", Image: "debian", ImageID: "sha256:de" })]));
  assert.match(otherImage.message, /“clock” runs the image debian, not busybox/);
});

test("with several containers from the image, the one closest to every criterion is reported", async () => {
  const wanted = check({ kind: "container", image: "busybox", status: "running", label: "app=web", exitCode: 0 });
  const result = await judge(wanted, context([busybox("", { State: "exited" }), busybox("", { State: "running", Labels: { app: "web" } })]));
  assert.deepEqual(
    result.criteria.map((c) => [c.name, c.passed]),
    [
      ["container exists", true],
      ["container running", true],
      ["label app=web", true],
      ["exit code 0", false],
    ],
  );
  assert.match(result.message, /is still running, so it has no exit code yet/);
});

test("labels, env, published ports and exit codes each say what differs", async () => {
  const wanted = check({
    kind: "container",
    name: "web",
    label: { app: "web", tier: "front" },
    env: ["MODE=prod", "DEBUG=1"],
    publishedPort: 80,
    hostPort: 8080,
    exitCode: 0,
  });
  const web = busybox("", {
    Names: ["/web"],
    ExitCode: 3,
    Labels: { app: "api" },
    Env: ["MODE=dev"],
    Ports: { "80/tcp": [{ HostIp: "0.0.0.0", HostPort: "8081" }] },
  });
  const byName = Object.fromEntries((await judge(wanted, context([web]))).criteria.map((c) => [c.name, c]));
  assert.equal(byName["label app=web"]!.message, "The container “web” has the label app=api, not app=web.");
  assert.equal(byName["label tier=front"]!.message, "The container “web” has no label “tier”; it should be tier=front.");
  assert.equal(byName["env MODE"]!.message, "The container “web” has MODE=dev, not MODE=prod.");
  assert.equal(byName["env DEBUG"]!.message, "The container “web” has no environment variable DEBUG; set it with -e DEBUG=1.");
  assert.equal(byName["port 80 published on 8080"]!.message, "The container “web” publishes port 80 on host port 8081, not 8080.");
  assert.equal(byName["exit code 0"]!.message, "The container “web” exited with code 3, not 0.");
  const unpublished = await judge(check({ kind: "container", name: "web", publishedPort: "53/udp" }), context([web]));
  assert.match(unpublished.message, /does not publish port 53\/udp; start it with -p HOST_PORT:53\/udp/);
});

test("a command check passes on a command of this step and quotes the recent ones when it fails", async () => {
  const ran = (command: string): RecordedCommand => ({ at: new Date(0).toISOString(), step: "ids", exitCode: 0, command });
  const wanted = check({ kind: "command", matches: "^docker (ps|container ls) .*-q", contains: "-a" });
  const ok = await judge(wanted, context([], undefined, [ran("docker ps"), ran("docker ps -a -q")]));
  assert.equal(ok.passed, true);
  assert.equal(ok.criteria[0]!.message, "You ran “docker ps -a -q”.");
  const noIds = await judge(wanted, context([], undefined, [ran("docker ps"), ran("docker ps -a")]));
  assert.deepEqual(
    noIds.criteria.map((c) => c.passed),
    [false, true],
  );
  assert.equal(noIds.message, "Run a command that matches /^docker (ps|container ls) .*-q/; you ran: “docker ps”, “docker ps -a”.");
  const notAll = await judge(wanted, context([], undefined, [ran("docker ps"), ran("docker ps -q")]));
  assert.equal(notAll.message, "Run a command that contains “-a”; you ran: “docker ps”, “docker ps -q”.");
  const none = await judge(wanted, context([]));
  assert.match(none.message, /you have not run any command in this step yet/);
});

test("a script check passes on exit 0 and its output is the message", async () => {
  const script = check({ kind: "script", script: "true", timeoutSeconds: 5 });
  const ok = await judge(script, context([], { exitCode: 0, output: "All tidy.\n" }));
  assert.deepEqual([ok.passed, ok.message], [true, "Well done: every part of this step is complete."]);
  assert.equal(ok.criteria[0]!.message, "All tidy.");
  const no = await judge(script, context([], { exitCode: 1, output: "2 containers remain\n" }));
  assert.deepEqual([no.passed, no.message], [false, "2 containers remain"]);
});

test("a check that cannot run fails with the reason instead of throwing", async () => {
  const ctx = context([]);
  ctx.docker.listContainers = async () => {
    throw new Error("connect ENOENT");
  };
  const result = await judge(HELLO, ctx);
  assert.equal(result.passed, false);
  assert.match(result.message, /could not run: connect ENOENT/);
});

test("a check naming a node is judged on that node; a node the lab lacks fails the check", async () => {
  const nodes: Record<string, JudgeContext> = { node2: context([busybox("hello world\n")]) };
  const ctx = { ...context([]), node: (name: string) => nodes[name] ?? assert.fail(`no ${name}`) };
  const onNode2 = check({ kind: "container", image: "busybox", logsContain: "hello world", node: "node2" });
  assert.equal((await judge(onNode2, ctx)).passed, true);
  assert.equal((await judge(HELLO, ctx)).passed, false, "node1 unless a check says otherwise");
  const alone = await judge(onNode2, context([busybox("hello world\n")]));
  assert.equal(alone.message, "The check could not run: this lab has no node “node2”");
});

test("registry: a repository with its tag passes; a missing tag or repository fails with how to push", async () => {
  const http = await import("node:http");
  const server = http.createServer((req, res) => {
    const authorized = req.headers.authorization === `Basic ${Buffer.from("learner:pw").toString("base64")}`;
    const known = req.url === "/v2/app/tags/list";
    res.writeHead(!authorized ? 401 : known ? 200 : 404, { "content-type": "application/json" });
    res.end(known && authorized ? JSON.stringify({ name: "app", tags: ["v1", "latest"] }) : JSON.stringify({ errors: [{ code: "NAME_UNKNOWN" }] }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const withRegistry = (password = "pw") => ({ ...context([]), registry: async () => ({ host: "registry:5000", username: "learner", password, url }) });
  const verdict = async (yaml: Record<string, unknown>, ctx: JudgeContext = withRegistry()) =>
    (await judge(check({ kind: "registry", ...yaml }), ctx)).criteria[0]!;
  try {
    assert.deepEqual(await verdict({ repository: "registry:5000/app", tag: "v1" }), {
      name: "registry:5000/app:v1 pushed",
      passed: true,
      message: "The registry has registry:5000/app:v1.",
    });
    assert.equal((await verdict({ repository: "app" })).passed, true, "any tag will do when none is asked");
    assert.equal(
      (await verdict({ repository: "app", tag: "v2" })).message,
      "The registry has app with the tag(s) v1, latest, but not v2; tag an image as registry:5000/app:v2 and docker push it.",
    );
    assert.equal(
      (await verdict({ repository: "web", tag: "1.0" })).message,
      "The registry has no repository “web” yet; tag an image as registry:5000/web:1.0 and docker push it.",
    );
    assert.deepEqual(await verdict({ repository: "web", exists: false }), {
      name: "no registry:5000/web",
      passed: true,
      message: "The registry has no registry:5000/web.",
    });
    assert.equal((await verdict({ repository: "app", tag: "v1", exists: false })).message, "The registry still has registry:5000/app:v1.");
    assert.match((await verdict({ repository: "app" }, withRegistry("wrong"))).message, /could not run: the registry answered 401/);
    assert.match((await verdict({ repository: "app" }, context([]))).message, /could not run: this lab has no running registry/);
  } finally {
    server.close();
  }
});
