import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { Stack } from "./stack";
import { postgresServer } from "./postgres";
import { Learner } from "../bench/class/learner";

// Backup, wipe, restore (npm run backup / restore) against the real stack, on either database: a learner signs up,
// passes a step in a real lab (progress, a terminal recording), the backup is taken while the site runs, everything
// is wiped, and after the restore the learner's old cookie still speaks for them, their password still opens the
// account, and their progress and recording are back.

const LESSON = "first-container";
const STEP = "hello-busybox";

export function backupScenarios(database: "sqlite" | "postgresql", sitePort: number) {
  const stack = new Stack({ name: `backup-${database}-it`, sitePort, runnerPort: sitePort + 1, database });
  const email = `backup-${database}-${process.pid}@example.com`;
  const learner = new Learner(stack.siteUrl, LESSON, STEP, email);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockyard-backups-"));
  const backupFile = path.join(dir, "dockyard.tar.gz");
  // The front server's storage (its CA) of a state dir of the test's own: the engine's stays untouched.
  const frontCa = path.join(dir, "state", "front", "caddy", "pki", "authorities", "local", "root.crt");
  const npm = (...args: string[]) =>
    spawnSync("npm", ["run", "-s", ...args], { env: { ...stack.env, DOCKYARD_STATE_DIR: path.join(dir, "state") }, encoding: "utf8" });
  const recordingOf = () => path.join(stack.dataDir, "recordings", learner.sandboxId!, "node1.cast");
  const passedMarker = new RegExp(`data-check-status="passed" data-testid="check-${STEP}"`);

  async function wipe(): Promise<void> {
    fs.rmSync(stack.dataDir, { recursive: true, force: true });
    if (database === "sqlite") return;
    const name = new URL(stack.env.DATABASE_URL!).pathname.slice(1);
    const admin = new pg.Client({ connectionString: `${postgresServer()}/postgres` });
    await admin.connect();
    await admin.query(`DROP DATABASE "${name}" WITH (FORCE)`).finally(() => admin.end());
  }

  describe(`backup and restore on ${database}`, { timeout: 600_000 }, () => {
    before(async () => {
      await stack.reset();
      await stack.start();
    });
    after(async () => {
      fs.rmSync(dir, { recursive: true, force: true });
      await stack.stop();
      if (!learner.sandboxId) return;
      await stack.start().catch(() => undefined); // the lab is removed through the site
      await learner.remove().catch(() => undefined);
      await stack.stop();
    });

    test("backup while the site runs, wipe, restore: accounts, progress, recordings and the signing secret are back", async () => {
      await learner.signUp();
      const opened = await learner.open(180_000);
      assert.equal(opened.error, undefined);
      learner.terminal!.type("docker run busybox echo hello world\r");
      await learner.terminal!.waitForText(/\rhello world\r\n/, 120_000); // (the output, not the echo of the command line)
      const check = await learner.fetch(`/api/labs/${LESSON}/steps/${STEP}/check`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ origin: "asked" }),
      });
      assert.equal((await check.json()).passed, true);
      learner.closeTerminal();
      await new Promise((r) => setTimeout(r, 500));
      const recorded = fs.readFileSync(recordingOf(), "utf8");
      assert.match(recorded, /hello world/);
      const secret = stack.secret;

      fs.mkdirSync(path.dirname(frontCa), { recursive: true });
      fs.writeFileSync(frontCa, "the front server's own CA");
      const made = npm("backup", "--", backupFile);
      assert.equal(made.status, 0, made.stderr);
      assert.match(made.stdout, new RegExp(`wrote ${backupFile}: the ${database} database`));
      assert.equal(fs.statSync(backupFile).mode & 0o777, 0o600, "readable by root only: it holds the secret");

      const refused = npm("restore", "--", backupFile);
      assert.equal(refused.status, 1);
      assert.match(refused.stderr, /Dockyard is running \(the lab-runner answers at .*\)\. Stop it first .* Nothing was changed\./);
      assert.deepEqual(
        fs.readdirSync(stack.dataDir).filter((f) => f.startsWith("replaced-")),
        [],
      );

      await stack.stop();
      await wipe();
      fs.rmSync(path.join(dir, "state"), { recursive: true });
      const restored = npm("restore", "--", backupFile);
      assert.equal(restored.status, 0, restored.stderr);
      assert.equal(fs.readFileSync(frontCa, "utf8"), "the front server's own CA", "the front server's CA is back");
      assert.ok(fs.readFileSync(recordingOf(), "utf8").startsWith(recorded), "the recording is back");
      assert.equal(stack.secret, secret);

      await stack.start();
      const page = await (await learner.fetch(`/lessons/${LESSON}`)).text();
      assert.match(page, passedMarker, "the old session cookie verifies and speaks for the learner, whose progress is back");
      const elsewhere = new Learner(stack.siteUrl, LESSON, STEP, email);
      assert.notEqual((await elsewhere.signIn("not the password")).status, 303, "a wrong password is still refused");
      assert.equal((await elsewhere.signIn()).status, 303, "the account's password opens it");
      assert.match(await (await elsewhere.fetch(`/lessons/${LESSON}`)).text(), passedMarker);
    });

    test("restore refuses a damaged or foreign file and changes nothing; over live data it keeps what it replaces", async () => {
      await stack.stop();
      const bad = path.join(dir, "bad.tar.gz");
      const refusals: [Buffer | string, RegExp][] = [
        ["not a backup at all", /is not a Dockyard backup, or it is damaged \(tar: .*not in gzip format\)/],
        [fs.readFileSync(backupFile).subarray(0, 2000), /is not a Dockyard backup, or it is damaged \(tar: .*unexpected end of file/],
      ];
      for (const [content, message] of refusals) {
        fs.writeFileSync(bad, content);
        const refused = npm("restore", "--", bad);
        assert.equal(refused.status, 1);
        assert.match(refused.stderr, message);
      }
      const foreign = fs.mkdtempSync(path.join(dir, "foreign-"));
      fs.writeFileSync(path.join(foreign, "notes.txt"), "hello");
      spawnSync("tar", ["-czf", bad, "-C", foreign, "."]);
      assert.match(npm("restore", "--", bad).stderr, /is not a Dockyard backup: it holds no readable manifest\.json/);
      assert.match(npm("restore", "--", path.join(dir, "missing.tar.gz")).stderr, /there is no file .*missing\.tar\.gz/);
      assert.deepEqual(
        fs.readdirSync(stack.dataDir).filter((f) => f.startsWith("replaced-")),
        [],
        "nothing was touched",
      );

      const again = npm("restore", "--", backupFile);
      assert.equal(again.status, 0, again.stderr);
      const [aside] = fs.readdirSync(stack.dataDir).filter((f) => f.startsWith("replaced-"));
      assert.ok(aside, "what it replaced is kept");
      const kept = fs.readdirSync(path.join(stack.dataDir, aside)).filter((f) => !/-(wal|shm|journal)$/.test(f)); // SQLite's own companions
      assert.deepEqual(kept.sort(), ["caddy", database === "sqlite" ? "dockyard.db" : "database.pgdump", "recordings", "secret"]);
    });
  });
}
