import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { contentDir, engineSocket, stateDir } from "@dockyard/contract/server";

// Images are built offline by the repo's scripts; a second run with unchanged inputs rebuilds nothing.

const imageId = (ref: string) =>
  execFileSync("/usr/bin/docker", ["-H", `unix://${engineSocket()}`, "image", "inspect", "-f", "{{.Id}}", ref], { encoding: "utf8" }).trim();

test("images.sh skips every build whose inputs did not change", () => {
  const course = fs.readdirSync(path.join(contentDir(), "images")).filter((name) => fs.existsSync(path.join(contentDir(), "images", name, "Dockerfile")));
  assert.ok(
    ["busybox", "hello-world", "debian", "python", "gcc", "redis", "haproxy"].every((name) => course.includes(name)),
    course.join(","),
  );
  const refs = [
    "dockyard/sandbox:latest",
    "dockyard/registry:latest",
    ...course.map((name) => `${name}:latest`),
    "debian:bookworm",
    "python:3.11",
    "gcc:12",
    "redis:7",
    "haproxy:2.6",
  ];
  const before = refs.map(imageId);
  const tarballs = course.map((name) => `${stateDir()}/images/course/${name}.tar`);
  const tarMtimes = tarballs.map((tarball) => fs.statSync(tarball).mtimeMs);
  const out = execFileSync("bash", ["scripts/images.sh"], { encoding: "utf8" });
  for (const line of ["sandbox: up to date", "registry: up to date", ...course.flatMap((name) => [`${name}: up to date`, `course/${name}.tar: up to date`])])
    assert.ok(out.includes(line), `expected "${line}" in:\n${out}`);
  assert.doesNotMatch(out, /building|saving/);
  assert.deepEqual(refs.map(imageId), before, "image ids changed");
  assert.deepEqual(
    tarballs.map((tarball) => fs.statSync(tarball).mtimeMs),
    tarMtimes,
    "a course tarball was rewritten",
  );
});
