import { test } from "node:test";
import assert from "node:assert/strict";
import type { ServerMessage } from "@dockyard/contract/server";
import { Boots, type BootRun } from "../../lab-runner/src/labs/boots";
import type { Sandbox } from "../../lab-runner/src/sandbox/driver";

// Boot de-duplication on its own: a boot is driven by hand (each stage and its end are released by the test).

const sandbox: Sandbox = { id: "lab-1", learnerId: "ann", lessonSlug: "first", createdAt: new Date(0), running: true, nodes: ["node1"] };

/** A boot the test drives: `stage` emits a stage, `finish` and `fail` end it. */
function manualBoot() {
  let emit!: (m: ServerMessage) => void;
  let finish!: () => void;
  let fail!: (e: Error) => void;
  let runs = 0;
  const run: BootRun = (e) => {
    runs++;
    emit = e;
    return new Promise<Sandbox>((resolve, reject) => {
      finish = () => {
        emit({ type: "ready" });
        resolve(sandbox);
      };
      fail = (err) => {
        emit({ type: "error", code: "boot_failed", message: err.message });
        reject(err);
      };
    });
  };
  return {
    run,
    stage: (stage: "network" | "container") => emit({ type: "stage", stage }),
    finish: () => finish(),
    fail: (e: Error) => fail(e),
    runs: () => runs,
  };
}

test("a watcher that comes late gets the stages so far, then follows the boot to ready", async () => {
  const boots = new Boots();
  const manual = manualBoot();
  const boot = boots.start("lab-1", manual.run);
  const early: ServerMessage[] = [];
  const earlyDone = boot.watch((m) => early.push(m));
  manual.stage("network");
  manual.stage("container");
  const late: ServerMessage[] = [];
  const lateDone = boot.watch((m) => late.push(m));
  assert.equal(boot.booting, true);
  manual.finish();
  assert.equal(await earlyDone, sandbox);
  assert.equal(await lateDone, sandbox);
  const all: ServerMessage[] = [{ type: "stage", stage: "network" }, { type: "stage", stage: "container" }, { type: "ready" }];
  assert.deepEqual(early, all);
  assert.deepEqual(late, all, "the late watcher missed nothing");
  assert.equal(boot.booting, false);
  const after: ServerMessage[] = [];
  await boot.watch((m) => after.push(m));
  assert.deepEqual(after, all, "a watcher after the end gets the whole boot");
});

test("a second start while booting shares the boot; its owner is counted once", async () => {
  const boots = new Boots();
  const manual = manualBoot();
  const first = boots.start("lab-1", manual.run, { learnerId: "ann", lessonSlug: "first" });
  const second = boots.start("lab-1", manualBoot().run, { learnerId: "ann", lessonSlug: "first" });
  assert.equal(second, first);
  assert.equal(manual.runs(), 1);
  assert.deepEqual([...boots.owners()], [["lab-1", { learnerId: "ann", lessonSlug: "first" }]]);
  manual.finish();
  await first.done;
  assert.equal(boots.start("lab-1", manualBoot().run), first, "a boot that succeeded is shared until forgotten");
  boots.forget("lab-1");
  assert.equal(boots.has("lab-1"), false);
});

test("a failure reaches every watcher, and the next start boots afresh", async () => {
  const boots = new Boots();
  const manual = manualBoot();
  const boot = boots.start("lab-1", manual.run);
  const seen: ServerMessage[][] = [[], []];
  const watching = seen.map((messages) => boot.watch((m) => messages.push(m)));
  manual.stage("network");
  manual.fail(new Error("engine down"));
  for (const done of watching) await assert.rejects(done, /engine down/);
  for (const messages of seen) assert.deepEqual(messages.at(-1), { type: "error", code: "boot_failed", message: "engine down" });
  assert.equal(boots.has("lab-1"), false, "a failed boot is dropped");
  const again = manualBoot();
  assert.notEqual(boots.start("lab-1", again.run), boot);
  assert.equal(again.runs(), 1);
});

test("a watcher that throws breaks neither the boot nor the other watchers", async () => {
  const boots = new Boots();
  const manual = manualBoot();
  const boot = boots.start("lab-1", manual.run);
  const broken = boot.watch(() => {
    throw new Error("watcher bug");
  });
  const seen: ServerMessage[] = [];
  const fine = boot.watch((m) => seen.push(m));
  manual.stage("network");
  manual.finish();
  assert.equal(await broken, sandbox);
  assert.equal(await fine, sandbox);
  assert.deepEqual(seen, [{ type: "stage", stage: "network" }, { type: "ready" }]);
});

test("a boot forgotten while it runs does not take a newer boot of the same sandbox with it when it fails", async () => {
  const boots = new Boots();
  const old = manualBoot();
  const oldBoot = boots.start("lab-1", old.run);
  oldBoot.done.catch(() => {});
  boots.forget("lab-1");
  const fresh = boots.start("lab-1", manualBoot().run);
  old.fail(new Error("late failure"));
  await assert.rejects(oldBoot.done);
  assert.equal(boots.get("lab-1"), fresh);
});
