import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import YAML from "yaml";
import { DockerSandboxDriver } from "../../lab-runner/src/sandbox/docker";
import { LabManager } from "../../lab-runner/src/labs";
import { judge } from "../../lab-runner/src/checks/judge";
import { checkBlockSchema, type Lesson, type CheckResult, issueLabToken } from "@dockyard/contract/server";
import { spawnPty } from "../../lab-runner/src/terminal/pty";
import { createServer } from "../../lab-runner/src/http/server";
import { TerminalClient } from "../support/terminal-client";

// Every check kind judged against ONE real sandbox (its inner Docker engine, files and network), and the
// command recording of its real interactive shell. Prerequisites: `bash scripts/engine.sh start` and
// `bash scripts/images.sh`.

const SLUG = "checks-it";
const LEARNER = `checks-${process.pid}`;
const checks = (yaml: string) => checkBlockSchema.parse(YAML.parse(yaml));
const lesson = {
  slug: SLUG,
  images: ["busybox", "hello-world"],
  nodes: 1,
  steps: [
    { id: "list-ids", title: "List only the IDs", checks: checks("kind: command\nmatches: '^docker (ps|container ls) .*-q'"), commands: [] },
    { id: "images", title: "List images", checks: checks("kind: command\ncontains: docker images"), commands: [] },
  ],
} as unknown as Lesson;

const driver = new DockerSandboxDriver();
const labs = new LabManager(driver, {
  idleTimeoutMs: 3_600_000,
  findLesson: (slug) => (slug === SLUG ? lesson : undefined),
  spawnPty,
});
let id = "";

const sh = async (script: string) => {
  const result = await driver.exec(id, ["sh", "-c", script], { timeoutMs: 60_000 });
  assert.equal(result.exitCode, 0, `${script}\n${result.output}`);
  return result.output;
};

/** Judges a check block as a lesson author writes it. */
const verdict = (yaml: string): Promise<CheckResult> =>
  judge(checks(yaml), { docker: driver.innerDocker(id), exec: (cmd, opts) => driver.exec(id, cmd, opts), commands: async () => [] });

const messages = (result: CheckResult) => result.criteria.map((c) => `${c.passed ? "✓" : "✗"} ${c.name}: ${c.message}`);

async function passes(yaml: string): Promise<CheckResult> {
  const result = await verdict(yaml);
  assert.equal(result.passed, true, messages(result).join("\n"));
  return result;
}

async function fails(yaml: string, message: string | RegExp): Promise<CheckResult> {
  const result = await verdict(yaml);
  assert.equal(result.passed, false, messages(result).join("\n"));
  if (typeof message === "string") assert.equal(result.message, message);
  else assert.match(result.message, message);
  return result;
}

before(async () => {
  id = await labs.ensure(LEARNER, SLUG);
  await labs.watch(id, () => {});
  await sh(`mkdir -p /root/app && cd /root/app && printf '%s\\n' \
    'FROM busybox' 'LABEL course=dockyard' 'RUN echo hi > /greeting' 'EXPOSE 5000' 'CMD ["httpd", "-f", "-p", "5000"]' >Dockerfile
    docker build -q -t myapp . >/dev/null
    docker volume create --label tier=db data >/dev/null
    docker network create appnet >/dev/null
    docker run -d --name web --network appnet -v data:/data -l app=web -e MODE=prod -p 8080:80 busybox \
      sh -c 'mkdir -p /www && echo hello from web >/www/index.html && exec httpd -f -p 80 -h /www' >/dev/null
    docker run --name done busybox sh -c 'echo finished; exit 3' >/dev/null || true
    echo 'remember the milk' >/root/notes.txt`);
  // httpd is up once the published port answers
  await sh("for i in $(seq 1 50); do curl -sf http://localhost:8080/ >/dev/null && exit 0; sleep 0.1; done; exit 1");
});

after(async () => {
  if (id) await labs.remove(id);
});

describe("check kinds against a real sandbox", { timeout: 300_000 }, () => {
  test("container: name, image, status, label, published port, env, exit code, logs", async () => {
    const web = await passes(`
kind: container
name: web
image: busybox
status: running
label: app=web
publishedPort: 80
hostPort: 8080
env: [MODE=prod]`);
    assert.deepEqual(
      web.criteria.map((c) => c.name),
      ["container exists", "image busybox", "container running", "label app=web", "port 80 published on 8080", "env MODE"],
    );
    await passes("kind: container\nname: done\nstatus: exited\nexitCode: 3\nlogsContain: finished");
    await passes("kind: container\nimage: busybox\nlogsContain: finished");
    await fails("kind: container\nname: api", "No container named “api” exists yet.");
    await fails("kind: container\nimage: hello-world", "No container from the image hello-world has run yet.");
    await fails("kind: container\nname: web\nimage: myapp", "The container “web” runs the image busybox, not myapp.");
    await fails("kind: container\nname: done\nstatus: running", "The container “done” is exited, not running.");
    await fails("kind: container\nname: web\nlabel: {app: api}", "The container “web” has the label app=web, not app=api.");
    await fails("kind: container\nname: web\npublishedPort: 80\nhostPort: 9090", "The container “web” publishes port 80 on host port 8080, not 9090.");
    await fails("kind: container\nname: done\npublishedPort: 80", "The container “done” does not publish port 80; start it with -p HOST_PORT:80.");
    await fails("kind: container\nname: web\nenv: MODE=dev", "The container “web” has MODE=prod, not MODE=dev.");
    await fails("kind: container\nname: done\nexitCode: 0", "The container “done” exited with code 3, not 0.");
    await fails("kind: container\nname: web\nexitCode: 0", "The container “web” is still running, so it has no exit code yet.");
    await fails(
      "kind: container\nname: done\nlogsContain: started",
      "The container “done” ran, but its output was “finished”, which does not contain “started”.",
    );
  });

  test("image: existence, label, CMD, exposed port, layers, Dockerfile instructions, size", async () => {
    await passes(`
kind: image
name: myapp
label: {course: dockyard}
cmd: ["httpd", "-f", "-p", "5000"]
exposedPort: 5000
layers: {min: 2, max: 2}
dockerfileContains: ["EXPOSE 5000", "RUN echo hi", 'CMD ["httpd", "-f", "-p", "5000"]']
smallerThan: 100000000`);
    await passes("kind: image\nname: busybox:latest\ncmd: sh");
    await passes("kind: image\nname: ghost\nexists: false");
    await fails("kind: image\nname: myapp:2.0", "No image named myapp:2.0 exists yet.");
    await fails("kind: image\nname: myapp\nexists: false", "The image myapp:latest still exists; remove it with docker rmi myapp:latest.");
    await fails("kind: image\nname: myapp\nlabel: course=docker", "The image myapp:latest has the label course=dockyard, not course=docker.");
    await fails("kind: image\nname: myapp\ncmd: httpd -f", 'The CMD of myapp:latest is ["httpd","-f","-p","5000"], not “httpd -f”.');
    await fails("kind: image\nname: myapp\nentrypoint: [httpd]", 'The ENTRYPOINT of myapp:latest is not set, not ["httpd"].');
    await fails(
      "kind: image\nname: myapp\nexposedPort: 80",
      "The image myapp:latest does not expose port 80 (it exposes 5000); add EXPOSE 80 to its Dockerfile.",
    );
    await fails("kind: image\nname: myapp\nlayers: {max: 1}", "The image myapp:latest has 2 layers; it should have at most 1.");
    await fails(
      "kind: image\nname: myapp\ndockerfileContains: USER",
      "The image myapp:latest was not built with an instruction USER; add it to the Dockerfile and build again.",
    );
    await fails(
      "kind: image\nname: myapp\nsmallerThan: {image: busybox}",
      /^The image myapp:latest is [\d.]+ MB and busybox:latest is [\d.]+ MB: myapp:latest should be smaller\.$/,
    );
  });

  test("volume: existence, label, mounted by a container", async () => {
    await passes("kind: volume\nname: data\nlabel: tier=db\nmountedBy: web");
    await passes("kind: volume\nname: scratch\nexists: false");
    await fails("kind: volume\nname: scratch", "No volume named “scratch” exists yet.");
    await fails("kind: volume\nname: data\nexists: false", "The volume “data” still exists; remove it with docker volume rm data.");
    await fails("kind: volume\nname: data\nlabel: tier=web", "The volume “data” has the label tier=db, not tier=web.");
    await fails(
      "kind: volume\nname: data\nmountedBy: done",
      "The container “done” does not mount the volume “data” (it mounts no volume); start it with -v data:/some/path.",
    );
    await fails("kind: volume\nname: data\nmountedBy: db", "No container named “db” exists yet.");
  });

  test("network: existence, driver, attached containers", async () => {
    await passes("kind: network\nname: appnet\ndriver: bridge\ncontainers: [web]");
    await passes("kind: network\nname: backend\nexists: false");
    await fails("kind: network\nname: backend", "No network named “backend” exists yet.");
    await fails("kind: network\nname: appnet\nexists: false", "The network “appnet” still exists; remove it with docker network rm appnet.");
    await fails("kind: network\nname: appnet\ndriver: overlay", "The network “appnet” uses the bridge driver, not overlay.");
    await fails(
      "kind: network\nname: appnet\ncontainers: [web, done]",
      "The container “done” is not attached to “appnet” (it is on bridge); use --network appnet or docker network connect appnet done.",
    );
  });

  test("file: existence and contents inside the sandbox (relative to /root)", async () => {
    await passes("kind: file\npath: /root/notes.txt\ncontains: the milk");
    await passes("kind: file\npath: notes.txt");
    await passes("kind: file\npath: /root/todo.txt\nexists: false");
    await fails("kind: file\npath: /root/todo.txt", "There is no file /root/todo.txt yet.");
    await fails("kind: file\npath: notes.txt\nexists: false", "notes.txt still exists; remove it.");
    await fails("kind: file\npath: /root/notes.txt\ncontains: eggs", "/root/notes.txt does not contain “eggs”.");
    await fails("kind: file\npath: /root/app\ncontains: FROM", "/root/app is a directory, not a file.");
  });

  test("http: status and body, requested from inside the sandbox", async () => {
    await passes("kind: http\nurl: http://localhost:8080/\nbodyContains: hello from web");
    await passes("kind: http\nurl: http://localhost:8080/missing\nstatus: 404");
    await fails("kind: http\nurl: http://localhost:8080/missing", "http://localhost:8080/missing answered 404, not 200.");
    await fails(
      "kind: http\nurl: http://localhost:8080/\nbodyContains: goodbye",
      "The response from http://localhost:8080/ was “hello from web”, which does not contain “goodbye”.",
    );
    await fails(
      "kind: http\nurl: http://localhost:9999/\ntimeoutSeconds: 2",
      /^http:\/\/localhost:9999\/ could not be reached: curl: \(7\) Failed to connect to localhost port 9999/,
    );
  });

  test("script: exit 0 passes and the output is the message", async () => {
    await passes("kind: script\nscript: test -f /root/notes.txt && echo found");
    await fails("kind: script\nscript: |\n  echo 'not yet: no /root/todo.txt'\n  test -f /root/todo.txt", "not yet: no /root/todo.txt");
  });
});

describe("commands recorded from the real interactive shell, per step", { timeout: 300_000 }, () => {
  let output = "";
  let detach: () => void = () => {};
  const recorded = async (stepId?: string) => (await labs.commands(id, stepId)).map((c) => c.command);

  /** Types a line into the learner's shell and waits until the shell has recorded `expect` (it finished). */
  async function run(line: string, expect = line.trim()): Promise<void> {
    const before = (await recorded()).length;
    labs.session(id).input(`${line}\r`);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const now = await recorded();
      if (now.length > before && now.at(-1)!.trim() === expect) return;
      if (Date.now() > deadline)
        throw new Error(`“${line}” was not recorded; log: ${JSON.stringify(now.slice(-5))}; terminal: ${JSON.stringify(output.slice(-300))}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Waits until the shell shows its prompt again after the output's offset `since` (an interrupt was echoed, "^C"). */
  async function promptAfter(since: number): Promise<void> {
    const deadline = Date.now() + 10_000;
    const back = () => {
      const after = output.slice(since).replace(/\x1b\[[?0-9;]*[a-zA-Z]/g, "");
      return after.includes("^C") && /[#$] $/.test(after);
    };
    while (!back()) {
      if (Date.now() > deadline) throw new Error(`the shell did not show its prompt again after ^C; terminal: ${JSON.stringify(output.slice(since))}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  before(() => {
    detach = labs.session(id).attach({ output: (data) => (output += data.toString("utf8")), control() {} });
  });
  after(() => detach());

  test("a command check passes only for commands run during its step", async () => {
    await labs.setStep(id, "list-ids");
    await run("docker ps");
    const wrong = await labs.check(id, SLUG, "list-ids");
    assert.equal(wrong.passed, false);
    assert.equal(wrong.message, "Run a command that matches /^docker (ps|container ls) .*-q/; you ran: “docker ps”.");
    await run("docker ps -a -q");
    const right = await labs.check(id, SLUG, "list-ids");
    assert.equal(right.passed, true, right.message);
    assert.deepEqual(
      right.commands?.map((c) => [c.step, c.exitCode, c.command]),
      [
        ["list-ids", 0, "docker ps"],
        ["list-ids", 0, "docker ps -a -q"],
      ],
    );
    assert.ok(Math.abs(Date.parse(right.commands![1]!.at) - Date.now()) < 60_000, right.commands![1]!.at);

    await labs.setStep(id, "images");
    const notYet = await labs.check(id, SLUG, "images");
    assert.equal(notYet.message, "Run a command that contains “docker images”; you have not run any command in this step yet.");
    assert.equal(notYet.commands, undefined);
    await run("docker images >/dev/null; false");
    const done = await labs.check(id, SLUG, "images");
    assert.equal(done.passed, true, done.message);
    assert.deepEqual(
      done.commands?.map((c) => [c.exitCode, c.command]),
      [[1, "docker images >/dev/null; false"]],
    );
    assert.equal((await labs.check(id, SLUG, "list-ids")).passed, true, "an earlier step keeps its commands");
  });

  test("an empty Enter or Ctrl-C records nothing; a leading space, a repeat and a multi-line command are recorded", async () => {
    await labs.setStep(id, "list-ids");
    const start = (await recorded()).length;
    const shell = labs.session(id);
    shell.input("\r");
    shell.input("   \r");
    const interrupted = output.length;
    shell.input("echo abandoned\x03");
    await promptAfter(interrupted); // the tty discards what is typed before the shell is back at its prompt
    shell.input("sleep 30\r");
    await new Promise((r) => setTimeout(r, 500));
    const slept = output.length;
    shell.input("\x03");
    await promptAfter(slept);
    await run("echo marker-one");
    await run(" echo spaced");
    await run(" echo spaced");
    await run("echo 'two\nlines'");
    const log = await labs.commands(id);
    assert.deepEqual(
      log.slice(start).map((c) => [c.exitCode, c.command]),
      [
        [130, "sleep 30"],
        [0, "echo marker-one"],
        [0, " echo spaced"],
        [0, " echo spaced"],
        [0, "echo 'two\nlines'"],
      ],
    );
  });

  test("a step set again is not rewritten; the shell reads the step the lab-runner wrote", async () => {
    await labs.setStep(id, "images");
    assert.equal(await sh("cat /run/dockyard/step"), "images\n");
    await sh("echo tampered >/run/dockyard/step");
    await labs.setStep(id, "images");
    assert.equal(await sh("cat /run/dockyard/step"), "tampered\n", "no write when the step did not change");
    await labs.setStep(id, "list-ids");
    assert.equal(await sh("cat /run/dockyard/step"), "list-ids\n");
  });
});

describe("the step message over the terminal WebSocket", { timeout: 120_000 }, () => {
  const secret = "checks-it-secret";
  const server = createServer(labs, secret);
  let terminal: TerminalClient;

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    const token = issueLabToken(secret, { learner: LEARNER, sandbox: id, lesson: SLUG }, 300);
    terminal = new TerminalClient(`ws://127.0.0.1:${port}/sandboxes/${id}/terminal?token=${encodeURIComponent(token)}`);
    await terminal.ready();
  });
  after(async () => {
    terminal.close();
    await new Promise((resolve) => server.close(resolve));
  });

  test("a step message sets the sandbox's step; malformed and unknown steps get clear errors", async () => {
    terminal.send({ type: "step", step: "images" });
    const deadline = Date.now() + 10_000;
    while ((await sh("cat /run/dockyard/step")) !== "images\n") {
      assert.ok(Date.now() < deadline, "the step file was not written");
      await new Promise((r) => setTimeout(r, 100));
    }
    terminal.send({ type: "step", step: "Not A Step!" });
    terminal.send({ type: "step", step: "no-such-step" });
    await terminal.until(() => terminal.messages.filter((m) => m.type === "error").length === 2, 10_000, "two errors");
    const errors = terminal.messages.filter((m) => m.type === "error") as { code: string; message: string }[];
    assert.deepEqual(
      errors.map((e) => e.code),
      ["bad_message", "unknown_step"],
    );
    assert.match(errors[0]!.message, /step: a step id is 1–64 lowercase letters, digits and dashes/);
    assert.equal(errors[1]!.message, "Lesson “checks-it” has no step “no-such-step”.");
    assert.equal(await sh("cat /run/dockyard/step"), "images\n");
  });
});
