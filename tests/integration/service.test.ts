import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Stack } from "../support/stack";
import { installUnits, parseEnvironmentFile, parseUnit, UnitProcess } from "../support/units";
import { Learner } from "../bench/class/learner";

// Dockyard as the host's services (scripts/service.sh): the units systemd would run pass its own verifier, and the
// lab-runner and the site run from those very units (this host's PID 1 is not systemd: the test starts what their
// ExecStart says, with their environment) keep labs and progress across a restart. The engine's unit is verified
// but not run here: the host's one engine is shared by every test, and restarting it is not a test's to do.

const LESSON = "first-container";
const STEP = "hello-busybox";
const stack = new Stack({ name: "service-it", sitePort: 3490, runnerPort: 3491 });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockyard-units-"));
const unitFile = (name: string) => path.join(dir, "units", `${name}.service`);
const verify = (...files: string[]) => spawnSync("systemd-analyze", ["verify", ...files], { encoding: "utf8" });

/** What the units' install gets: the stack's settings, as an administrator would have them exported. */
const settings = (extra: Record<string, string> = {}) => ({
  PATH: process.env.PATH,
  ...Object.fromEntries(Object.entries(stack.env).filter(([name]) => name.startsWith("DOCKYARD_") || name === "DATABASE_URL")),
  PORT: String(stack.options.sitePort),
  ...extra,
});

describe("Dockyard's systemd units", { timeout: 600_000 }, () => {
  const runner = new UnitProcess(unitFile("dockyard-runner"));
  const site = new UnitProcess(unitFile("dockyard-site"));
  const learner = new Learner(stack.siteUrl, LESSON, STEP, `service-${process.pid}@example.com`);

  before(async () => {
    await stack.reset();
  });
  after(async () => {
    await learner.remove().catch(() => undefined);
    await site.stop();
    await runner.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("all four pass systemd-analyze verify, start at boot, restart after a crash, in order, with the settings in a file of root's", () => {
    const out = installUnits(dir, settings({ DOCKYARD_PUBLIC_URL: "https://labs.example.org", DOCKYARD_SECRET: 'with "quotes" and \\' }));
    assert.match(out, /units verified/);
    const names = ["dockyard-engine", "dockyard-runner", "dockyard-site", "dockyard-front"];
    const checked = verify(...names.map(unitFile));
    assert.deepEqual({ status: checked.status, output: checked.stdout + checked.stderr }, { status: 0, output: "" });

    const units = Object.fromEntries(names.map((name) => [name, parseUnit(fs.readFileSync(unitFile(name), "utf8"))]));
    for (const [name, unit] of Object.entries(units)) {
      assert.deepEqual(unit.Install?.WantedBy, ["multi-user.target"], name);
      assert.deepEqual(unit.Service?.Restart, ["always"], name);
      assert.deepEqual(unit.Service?.EnvironmentFile, [path.join(dir, "dockyard.env")], name);
      assert.deepEqual(unit.Service?.WorkingDirectory, [process.cwd()], name);
    }
    const after = (name: string) => unit(name).After?.[0]?.split(" ");
    const unit = (name: string) => units[name]!.Unit!;
    assert.ok(after("dockyard-runner")?.includes("dockyard-engine.service"));
    assert.ok(after("dockyard-site")?.includes("dockyard-runner.service"));
    assert.ok(after("dockyard-front")?.includes("dockyard-site.service"));
    assert.deepEqual(units["dockyard-engine"]!.Service?.Type, ["notify"], "dockerd tells systemd when it is ready");
    assert.deepEqual(units["dockyard-front"]!.Service?.ExecStart, [
      `${spawnSync("bash", ["-c", "command -v bash"], { encoding: "utf8" }).stdout.trim()} scripts/front.sh run`,
    ]);

    const envFile = path.join(dir, "dockyard.env");
    assert.equal(fs.statSync(envFile).mode & 0o777, 0o600);
    const written = parseEnvironmentFile(fs.readFileSync(envFile, "utf8"));
    assert.equal(written.DOCKYARD_SECRET, 'with "quotes" and \\');
    assert.equal(written.DOCKYARD_DATA_DIR, stack.dataDir);
    assert.equal(written.PORT, "3490");

    // The verifier does fail a broken unit: the check above can fail.
    const broken = path.join(dir, "broken.service");
    fs.writeFileSync(broken, fs.readFileSync(unitFile("dockyard-site"), "utf8").replace(/^ExecStart=\S+/m, "ExecStart=/nonexistent/npm"));
    assert.notEqual(verify(broken).status, 0);
    fs.rmSync(broken);
  });

  test("without a public address there is no front unit", () => {
    installUnits(dir, settings());
    assert.ok(fs.existsSync(unitFile("dockyard-site")));
    assert.ok(!fs.existsSync(unitFile("dockyard-front")));
  });

  test("the lab-runner and the site restarted from their units keep the lab (its files) and the learner's progress", async () => {
    installUnits(dir, settings());
    runner.start();
    await runner.answers(`${stack.runnerUrl}/health`);
    site.start();
    await site.answers(stack.siteUrl);

    await learner.signUp();
    const opened = await learner.open(180_000);
    assert.equal(opened.error, undefined);
    const t = learner.terminal!;
    t.type("echo kept-across-the-restart > /root/kept && docker run busybox echo hello world\r");
    await t.waitForText(/\rhello world\r\n/, 120_000); // (the output, not the echo of the command line)
    const check = await learner.fetch(`/api/labs/${LESSON}/steps/${STEP}/check`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ origin: "asked" }),
    });
    assert.equal(check.status, 200);
    assert.equal((await check.json()).passed, true);
    learner.closeTerminal();

    // systemctl restart dockyard-site dockyard-runner: stopped, then started from the same units.
    await site.stop();
    await runner.stop();
    await assert.rejects(fetch(`${stack.runnerUrl}/health`), "the lab-runner is down");
    runner.start();
    await runner.answers(`${stack.runnerUrl}/health`);
    site.start();
    await site.answers(stack.siteUrl);

    const again = await learner.open(180_000);
    assert.equal(again.error, undefined);
    assert.deepEqual(again.stages, [], "the same lab, found again, not booted anew");
    learner.terminal!.type("cat /root/kept\r");
    await learner.terminal!.waitForText(/\rkept-across-the-restart\r\n/);
    learner.closeTerminal();
    const page = await (await learner.fetch(`/lessons/${LESSON}`)).text();
    assert.match(page, new RegExp(`data-check-status="passed" data-testid="check-${STEP}"`), "the step is still passed");
  });
});
