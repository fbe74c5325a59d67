import { test } from "node:test";
import assert from "node:assert/strict";
import type Dockerode from "dockerode";
import { checkBlockSchema, checkSchema } from "@dockyard/contract/server";
import { instructionOf, sameInstruction } from "../../lab-runner/src/checks/image";
import { publishedOn } from "../../lab-runner/src/checks/container";
import { sameCommandLine, showBytes } from "../../lab-runner/src/checks/criteria";
import { parseCommandLog } from "../../lab-runner/src/recordings/command-log";

// Pure logic of the check kinds: what lesson authors may write, and how the sandbox's answers are read.

const refusal = (yaml: unknown) => {
  const parsed = checkSchema.safeParse(yaml);
  assert.ok(!parsed.success, JSON.stringify(yaml));
  return parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
};

test("the existing kinds still parse as before", () => {
  assert.deepEqual(checkBlockSchema.parse({ kind: "container", image: "busybox", logsContain: "hi" }), [
    { kind: "container", image: "busybox", status: "any", logsContain: "hi" },
  ]);
  assert.deepEqual(checkSchema.parse({ kind: "script", script: "true" }), { kind: "script", script: "true", timeoutSeconds: 15 });
});

test("labels, env, ports and image names are normalized", () => {
  assert.deepEqual(checkSchema.parse({ kind: "container", name: "web", label: "app=web=1", env: "A=b=c", publishedPort: "80", hostPort: 8080 }), {
    kind: "container",
    name: "web",
    status: "any",
    label: { app: "web=1" },
    env: [["A", "b=c"]],
    publishedPort: "80/tcp",
    hostPort: 8080,
  });
  assert.deepEqual(checkSchema.parse({ kind: "image", name: "app", label: { version: 2, beta: true }, exposedPort: "53/udp" }), {
    kind: "image",
    name: "app:latest",
    exists: true,
    label: { version: "2", beta: "true" },
    exposedPort: "53/udp",
  });
  assert.equal((checkSchema.parse({ kind: "image", name: "localhost:5000/app" }) as { name: string }).name, "localhost:5000/app:latest");
  assert.deepEqual((checkSchema.parse({ kind: "network", name: "n", containers: "web" }) as { containers: string[] }).containers, ["web"]);
});

test("impossible or ambiguous checks are refused with a reason", () => {
  assert.match(refusal({ kind: "container", status: "running" }), /needs a name or an image/);
  assert.match(refusal({ kind: "container", name: "web", hostPort: 8080 }), /hostPort: hostPort needs publishedPort/);
  assert.match(refusal({ kind: "container", name: "web", publishedPort: 70000 }), /not a port/);
  assert.match(refusal({ kind: "container", name: "web", label: "app" }), /not a label like key=value/);
  assert.match(refusal({ kind: "container", name: "web", label: {} }), /give at least one label/);
  assert.match(refusal({ kind: "image", name: "app", exists: false, exposedPort: 80 }), /exists: false cannot be combined/);
  assert.match(refusal({ kind: "file", path: "/x", exists: false, contains: "y" }), /exists: false cannot be combined/);
  assert.match(refusal({ kind: "image", name: "app", layers: {} }), /give min, max or both/);
  assert.match(refusal({ kind: "command" }), /needs matches or contains/);
  assert.match(refusal({ kind: "command", matches: "docker (ps" }), /valid regular expression/);
  assert.match(refusal({ kind: "http", url: "localhost:8080" }), /http:\/\//);
  assert.match(refusal({ kind: "volume", name: "data", mountedby: "db" }), /mountedby/);
});

test("image history lines become Dockerfile instructions", () => {
  assert.equal(instructionOf("/bin/sh -c #(nop)  EXPOSE 5000"), "EXPOSE 5000");
  assert.equal(instructionOf('/bin/sh -c #(nop)  CMD ["httpd" "-f" "-p" "80"]'), 'CMD ["httpd" "-f" "-p" "80"]');
  assert.equal(instructionOf("/bin/sh -c echo hi > /greeting"), "RUN echo hi > /greeting");
  assert.equal(instructionOf("|1 VERSION=2 /bin/sh -c echo $VERSION"), "RUN echo $VERSION");
  assert.equal(instructionOf("RUN /bin/sh -c apk add curl # buildkit"), "RUN apk add curl");
  assert.equal(instructionOf("EXPOSE map[5000/tcp:{}]"), "EXPOSE map[5000/tcp:{}]");
});

test("an instruction matches by keyword and whole-word arguments", () => {
  assert.ok(sameInstruction("EXPOSE 5000", "EXPOSE 5000"));
  assert.ok(sameInstruction("expose 5000", "EXPOSE 5000/tcp"));
  assert.ok(sameInstruction("EXPOSE 5000", "EXPOSE map[5000/tcp:{}]"));
  assert.ok(!sameInstruction("EXPOSE 500", "EXPOSE 5000"));
  assert.ok(sameInstruction("USER", "USER app"));
  assert.ok(!sameInstruction("USER app", "USER appuser"));
  assert.ok(sameInstruction('CMD ["httpd", "-f"]', 'CMD ["httpd" "-f" "-p" "80"]'));
  assert.ok(sameInstruction("RUN apk add", "RUN apk add curl"));
  assert.ok(!sameInstruction("RUN apk add", "CMD apk add"));
});

test("CMD and ENTRYPOINT: a list is the exact exec form, a string the shell form or the joined exec form", () => {
  assert.ok(sameCommandLine(["httpd", "-f"], ["httpd", "-f"]));
  assert.ok(!sameCommandLine(["httpd"], ["httpd", "-f"]));
  assert.ok(sameCommandLine("httpd -f", ["httpd", "-f"]));
  assert.ok(sameCommandLine("httpd  -f", ["/bin/sh", "-c", "httpd -f"]));
  assert.ok(!sameCommandLine("httpd", null));
});

test("published ports are read from live bindings, else from the configured ones", () => {
  const info = (ports: object, bindings: object) =>
    ({ NetworkSettings: { Ports: ports }, HostConfig: { PortBindings: bindings } }) as unknown as Dockerode.ContainerInspectInfo;
  const v4v6 = [
    { HostIp: "0.0.0.0", HostPort: "8080" },
    { HostIp: "::", HostPort: "8080" },
  ];
  assert.deepEqual(publishedOn(info({ "80/tcp": v4v6 }, {}), "80/tcp"), ["8080"]);
  assert.deepEqual(publishedOn(info({}, { "80/tcp": [{ HostIp: "", HostPort: "9090" }] }), "80/tcp"), ["9090"], "a stopped container");
  assert.equal(publishedOn(info({ "80/tcp": null }, {}), "80/tcp"), undefined, "exposed but not published");
});

test("sizes are shown as Docker shows them", () => {
  assert.equal(showBytes(999), "999 B");
  assert.equal(showBytes(4_261_000), "4.3 MB");
});

test("the command log is parsed, unescaped, and malformed lines are skipped", () => {
  const log = [
    "1796121240367\t\t0\tdocker ps",
    "1796121241000\tlist-ids\t1\tfalse",
    "1796121242000\tlist-ids\t0\techo 'multi\\nline' \\\\n\\tx",
    "garbage written by the learner",
    "17961\tstep\tnope\tcommand",
    "",
  ].join("\n");
  const at = (ms: number) => new Date(ms).toISOString();
  assert.deepEqual(parseCommandLog(log), [
    { at: at(1796121240367), step: "", exitCode: 0, command: "docker ps" },
    { at: at(1796121241000), step: "list-ids", exitCode: 1, command: "false" },
    { at: at(1796121242000), step: "list-ids", exitCode: 0, command: "echo 'multi\nline' \\n\tx" },
  ]);
});
