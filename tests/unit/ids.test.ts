import { test } from "node:test";
import assert from "node:assert/strict";
import {
  DEFAULT_NODE,
  frontmatterSchema,
  idPath,
  isLessonSlug,
  isNodeName,
  isSandboxId,
  isStepId,
  MAX_NODES,
  nodeNames,
  sandboxIdFor,
} from "@dockyard/contract/server";

// The ids the site and the lab-runner pass each other, and the one pattern each must match.

const front = { title: "t", summary: "s", order: 1, minutes: 5 };

test("a node name is node1 to nodeN of the most nodes a lesson may ask for, and nothing else", () => {
  assert.deepEqual(nodeNames(3), ["node1", "node2", "node3"]);
  assert.equal(nodeNames(1)[0], DEFAULT_NODE);
  assert.ok(nodeNames(MAX_NODES).every(isNodeName));
  assert.equal(frontmatterSchema.safeParse({ ...front, nodes: MAX_NODES }).success, true);
  assert.equal(frontmatterSchema.safeParse({ ...front, nodes: MAX_NODES + 1 }).success, false, "a lesson asks for at most MAX_NODES");
  for (const bad of [`node${MAX_NODES + 1}`, "node0", "node", "node01", "node99", "Node1", "node1 ", "../node1", ""]) assert.equal(isNodeName(bad), false, bad);
});

test("sandboxIdFor makes ids the routes accept, one per learner and lesson", () => {
  const id = sandboxIdFor("ann", "hello");
  assert.match(id, /^dy-[0-9a-f]{20}$/);
  assert.ok(isSandboxId(id));
  assert.equal(sandboxIdFor("ann", "hello"), id);
  assert.notEqual(sandboxIdFor("bob", "hello"), id);
  for (const bad of ["", "DY-1", "dy_1", "../x", "a".repeat(65), "dy 1"]) assert.equal(isSandboxId(bad), false, bad);
});

test("step ids and lesson slugs are lowercase letters, digits and dashes, starting with a letter or digit", () => {
  for (const good of ["a", "run-it", "2-nodes", "a".repeat(64)]) assert.ok(isStepId(good), good);
  for (const bad of ["", "-a", "A", "a_b", "a/b", "..", "a".repeat(65)]) assert.equal(isStepId(bad), false, bad);
  for (const good of ["hello-busybox", "a".repeat(100)]) assert.ok(isLessonSlug(good), good);
  for (const bad of ["", "-a", "Hello", "a.b", ".."]) assert.equal(isLessonSlug(bad), false, bad);
});

test("idPath anchors a path and captures each id in it", () => {
  const id = sandboxIdFor("ann", "hello");
  const route = idPath`/sandboxes/${/^[a-z0-9-]{1,64}$/}(/checks/${/^[a-z]+$/})?`;
  assert.deepEqual([...(`/sandboxes/${id}/checks/run`.match(route) ?? [])], [`/sandboxes/${id}/checks/run`, id, "/checks/run", "run"]);
  assert.deepEqual(`/sandboxes/${id}`.match(route)?.slice(1), [id, undefined, undefined]);
  for (const bad of [`/sandboxes/${id}/`, `x/sandboxes/${id}`, `/sandboxes/${id}/checks/1`, "/sandboxes/../checks/run"])
    assert.equal(route.test(bad), false, bad);
});
