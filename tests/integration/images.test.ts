import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { engineSocket, stateDir } from "../../lab-runner/src/shared/config";

// Images are built offline by the repo's scripts; a second run with unchanged inputs rebuilds nothing.

const imageId = (ref: string) =>
  execFileSync("/usr/bin/docker", ["-H", `unix://${engineSocket()}`, "image", "inspect", "-f", "{{.Id}}", ref], { encoding: "utf8" }).trim();

test("images.sh skips every build whose inputs did not change", () => {
  const refs = ["dockyard/sandbox:latest", "busybox:latest", "hello-world:latest"];
  const before = refs.map(imageId);
  const tarball = `${stateDir()}/images/course-images.tar`;
  const tarMtime = fs.statSync(tarball).mtimeMs;
  const out = execFileSync("bash", ["scripts/images.sh"], { encoding: "utf8" });
  for (const line of ["sandbox: up to date", "busybox: up to date", "hello-world: up to date", "course-images.tar: up to date"])
    assert.ok(out.includes(line), `expected "${line}" in:\n${out}`);
  assert.doesNotMatch(out, /building|saving/);
  assert.deepEqual(refs.map(imageId), before, "image ids changed");
  assert.equal(fs.statSync(tarball).mtimeMs, tarMtime, "the course tarball was rewritten");
});
