import { test } from "node:test";
import assert from "node:assert/strict";
import { judge, sameImage, type JudgeContext } from "../../lab-runner/src/checks/judge";

// The inner Engine API is faked here (a unit-test boundary); tests/integration judges against a real one.
interface FakeContainer {
  Id: string;
  Image: string;
  ImageID: string;
  Names: string[];
  State: string;
  logs: string;
}

function context(containers: FakeContainer[], exec = { exitCode: 0, output: "" }): JudgeContext {
  const frame = (text: string) => {
    const payload = Buffer.from(text);
    const header = Buffer.alloc(8);
    header[0] = 1;
    header.writeUInt32BE(payload.length, 4);
    return Buffer.concat([header, payload]);
  };
  return {
    docker: {
      listContainers: async () => containers,
      getContainer: (id: string) => ({ logs: async () => frame(containers.find((c) => c.Id === id)!.logs) }),
      getImage: (ref: string) => ({
        inspect: async () => {
          if (ref.startsWith("busybox")) return { Id: "sha256:bb" };
          throw new Error("no such image");
        },
      }),
    } as unknown as JudgeContext["docker"],
    exec: async () => exec,
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

const HELLO = [{ kind: "container" as const, image: "busybox", status: "any" as const, logsContain: "hello world" }];

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
  assert.deepEqual(result.criteria.map((c) => c.passed), [true, true]);
});

test("no container at all says what is missing", async () => {
  const result = await judge(HELLO, context([]));
  assert.equal(result.passed, false);
  assert.match(result.message, /No container from the image busybox has run yet/);
});

test("a wrong command's output is quoted next to what was expected", async () => {
  const result = await judge(HELLO, context([busybox("hello\n")]));
  assert.equal(result.passed, false);
  assert.match(result.message, /output was “hello”, which does not contain “hello world”/);
});

test("containers of another image do not count, even with the right output; the image id counts", async () => {
  assert.equal((await judge(HELLO, context([busybox("hello world", { Image: "debian", ImageID: "sha256:de" })]))).passed, false);
  assert.equal((await judge(HELLO, context([busybox("hello world", { Image: "3f2a", ImageID: "sha256:bb" })]))).passed, true);
});

test("status and name criteria are judged and explained", async () => {
  const running = [{ kind: "container" as const, image: "busybox", status: "running" as const, name: "clock" }];
  const exited = await judge(running, context([busybox("", { Names: ["/clock"] })]));
  assert.equal(exited.passed, false);
  assert.match(exited.message, /It is exited, not running/);
  const unnamed = await judge(running, context([busybox("", { State: "running" })]));
  assert.match(unnamed.message, /none is named “clock”/);
});

test("a script check passes on exit 0 and its output is the message", async () => {
  const script = [{ kind: "script" as const, script: "true", timeoutSeconds: 5 }];
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
