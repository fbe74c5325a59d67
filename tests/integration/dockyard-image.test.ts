import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { engineSocket } from "@dockyard/contract/server";

// Dockyard's own image (scripts/kubernetes/image.sh; cached: rebuilt only when the checkout changed) runs each part
// by its command, as scripts/kubernetes/deploy/ runs it, here in containers of Dockyard's engine with no network:
// PostgreSQL (scripts/kubernetes/postgres.sh), the migrations and the admin account (the site's init container),
// the site (`npm run start:site`) answering pages from that database, the front server's Caddyfile validated by
// Debian's Caddy (`scripts/front.sh check`), and the lab-runner's code with its native addons on Debian's Node 20.

const IMAGE = "dockyard/dockyard:latest";
const NAME = `dockyard-image-test-${process.pid}`;
const docker = (...args: string[]) => spawnSync("/usr/bin/docker", ["-H", `unix://${engineSocket()}`, ...args], { encoding: "utf8", timeout: 120_000 });
const inImage = (...args: string[]) => docker("run", "--rm", "--network", "none", IMAGE, ...args);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("Dockyard's own image", { timeout: 1_800_000 }, () => {
  before(() => {
    const built = spawnSync("bash", ["scripts/kubernetes/image.sh"], { encoding: "utf8", timeout: 1_500_000 });
    assert.equal(built.status, 0, built.stderr);
  });
  after(() => void docker("rm", "-f", NAME));

  test("it is Debian's Node 20, with Caddy and PostgreSQL, and the checkout built", () => {
    const versions = inImage("bash", "-c", "node --version; caddy version; ls /usr/lib/postgresql; test -f .next/BUILD_ID && echo built; pwd");
    assert.equal(versions.status, 0, versions.stderr);
    const [node, caddy, postgres, built, dir] = versions.stdout.trim().split("\n");
    assert.match(node!, /^v20\./);
    assert.match(caddy!, /^v?2\./);
    assert.match(postgres!, /^\d+$/);
    assert.equal(built, "built");
    assert.equal(dir, "/opt/dockyard");
    assert.equal(inImage("test", "-e", "node_modules/eslint").status, 1, "development packages are pruned");
  });

  test("PostgreSQL, the migrations and the admin account, then the site answers from that database", async () => {
    const script = [
      "export POSTGRES_PASSWORD=pw DATABASE_URL=postgresql://dockyard:pw@127.0.0.1:5432/dockyard",
      "bash scripts/kubernetes/postgres.sh >/tmp/postgres.log 2>&1 &",
      "until pg_isready -q -h 127.0.0.1 -p 5432; do sleep 0.5; done",
      "npm run -s db:migrate && npx --no-install tsx scripts/create-admin.ts",
      "exec npm run start:site",
    ].join("\n");
    const started = docker(
      "run",
      "-d",
      "--name",
      NAME,
      "--network",
      "none",
      "-e",
      "DOCKYARD_SECRET=" + "s".repeat(64),
      "-e",
      "DOCKYARD_ADMIN_PASSWORD=image-test-password",
      IMAGE,
      "bash",
      "-c",
      script,
    );
    assert.equal(started.status, 0, started.stderr);
    const fetchPage = `fetch("http://127.0.0.1:3000/signin").then(async (r) => console.log(r.status, (await r.text()).includes("Sign in")))`;
    let answer = "";
    for (let i = 0; i < 120 && !answer.startsWith("200"); i++, await sleep(1000)) answer = docker("exec", NAME, "node", "-e", fetchPage).stdout.trim();
    assert.equal(answer, "200 true", docker("logs", NAME).stderr + docker("logs", NAME).stdout);
    const admin = docker(
      "exec",
      NAME,
      "runuser",
      "-u",
      "postgres",
      "--",
      "psql",
      "-h",
      "/run/postgresql",
      "-tAc",
      "select role from \"Learner\" where email = 'admin@localhost'",
      "dockyard",
    );
    assert.equal(admin.stdout.trim(), "admin", admin.stderr);
  });

  test("the front server's Caddyfile from the settings is valid to the image's Caddy", () => {
    const env = [
      "-e",
      "DOCKYARD_PUBLIC_URL=https://labs.example.org",
      "-e",
      "DOCKYARD_PREVIEW_URL=https://*.preview.example-labs.net",
      "-e",
      "DOCKYARD_TLS=internal",
    ];
    const checked = docker(
      "run",
      "--rm",
      "--network",
      "none",
      ...env,
      "-e",
      "DOCKYARD_SITE_URL=http://site:3000",
      "-e",
      "DOCKYARD_RUNNER_URL=http://lab-runner:3001",
      IMAGE,
      "bash",
      "scripts/front.sh",
      "check",
    );
    assert.equal(checked.status, 0, checked.stderr);
    assert.match(checked.stderr, /Caddyfile is valid/);
  });

  test("the lab-runner's code and its native addons load on the image's Node", () => {
    const loaded = inImage(
      "node",
      "--import",
      "tsx",
      "--input-type=module",
      "-e",
      'await import("./lab-runner/src/sandbox/select.ts"); await import("node-pty"); console.log("loaded")',
    );
    assert.equal(loaded.status, 0, loaded.stderr);
    assert.equal(loaded.stdout.trim(), "loaded");
  });
});
