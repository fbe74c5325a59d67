import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { stateDir } from "@dockyard/contract/server";
import { startFreshEngine, type FreshEngine } from "../support/fresh-engine";
import { pushNewImage, startMirror, startUpstream, type Mirror, type PushedImage, type Upstream } from "../support/registries";

// Image bundles, as an admin carries them to an offline Dockyard: `scripts/images.sh bundle` on this installation
// takes a course image (hello-world, built from content/images) and an image only the registry mirror has (a
// docker-registry of the test's own plays its upstream), then everything online stops and `scripts/images.sh load`
// puts the bundle on a FRESH engine (a throwaway dockerd of the test's own, with a state directory of its own),
// where both images run and lessons:lint counts them as available.
// Prerequisites: `bash scripts/engine.sh start`, `bash scripts/images.sh`, Debian's docker-registry.

const exec = promisify(execFile);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockyard-bundle-test-"));
const bundle = path.join(dir, "images.tar");
const offline = path.join(dir, "offline-state"); // the other Dockyard's DOCKYARD_STATE_DIR
let upstream: Upstream | undefined;
let mirror: Mirror | undefined;
let image: PushedImage | undefined;
let fresh: FreshEngine | undefined;
let bundled: { stdout: string; stderr: string };

const images = (env: NodeJS.ProcessEnv, ...args: string[]) => exec("bash", ["scripts/images.sh", ...args], { env, maxBuffer: 16 * 1024 * 1024 });

before(async () => {
  upstream = await startUpstream(path.join(dir, "upstream"));
  image = await pushNewImage(upstream, `dockyard-bundle${process.pid}`);
  mirror = await startMirror(upstream, path.join(dir, "mirror-state"));
  // This installation's state (its course images), with the test's mirror as its registry mirror.
  bundled = await images({ ...mirror.env, DOCKYARD_STATE_DIR: stateDir() }, "bundle", "hello-world", image.name, "-o", bundle);
  await mirror.stop();
  await upstream.stop();
  fresh = await startFreshEngine(path.join(dir, "fresh"));
});

after(async () => {
  await mirror?.stop();
  await upstream?.stop();
  await image?.remove();
  await fresh?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const freshEnv = () => ({ ...process.env, DOCKYARD_STATE_DIR: offline, DOCKYARD_ENGINE_SOCKET: fresh!.socket });

test("a bundle holds the images asked for, with a manifest, and says what it does as it goes", () => {
  const listing = execFileSync("tar", ["-tf", bundle], { encoding: "utf8" }).split("\n").filter(Boolean).sort();
  assert.deepEqual(listing, ["dockyard-bundle.json", "images/", `images/${image!.name}.tar`, "images/hello-world.tar"]);
  assert.match(bundled.stdout, /hello-world: this installation's course image/);
  assert.match(bundled.stdout, new RegExp(`${image!.name}: not a course image here; fetching ${image!.name}:latest from the registry mirror`));
  assert.match(bundled.stderr, /layer 1 of \d+/);
});

test("a damaged bundle is refused before anything is loaded", async () => {
  const damaged = path.join(dir, "damaged.tar");
  const bytes = fs.readFileSync(bundle);
  const at = bytes.indexOf(Buffer.from("Hello from Dockyard!"));
  assert.ok(at > 0);
  bytes[at] = bytes[at]! ^ 0x20;
  fs.writeFileSync(damaged, bytes);
  await assert.rejects(images(freshEnv(), "load", damaged), (err: { stderr: string }) => /hello-world: .* is damaged/.test(err.stderr));
  assert.ok(!fs.existsSync(path.join(offline, "images", "course", "hello-world.tar")));
});

test("loaded on a fresh engine, the images run there and are course images lessons may list", async () => {
  const loaded = await images(freshEnv(), "load", bundle);
  assert.match(loaded.stdout, new RegExp(`loaded hello-world ${image!.name}`));
  const hello = await fresh!.docker("run", "--rm", "--network", "none", "hello-world");
  assert.match(hello.stdout, /Hello from Dockyard!/);
  const mirrored = await fresh!.docker("run", "--rm", "--network", "none", image!.name, "cat", "/hello.txt");
  assert.equal(mirrored.stdout.trim(), image!.text);
  for (const name of ["hello-world", image!.name]) {
    const tar = path.join(offline, "images", "course", `${name}.tar`);
    assert.ok(fs.statSync(tar).isFile(), `${tar} is where sandboxes and node disk templates find course images`);
    assert.match(fs.readFileSync(`${tar}.ids`, "utf8"), new RegExp(`^${name}:latest sha256:[0-9a-f]{64}$`, "m"));
  }
});

test("lessons:lint counts a loaded image as available on that installation, and names one that is not", async () => {
  const content = path.join(dir, "content");
  const lesson = (images: string) =>
    `---\ntitle: T\nsummary: S\norder: 1\nminutes: 5\nimages: [${images}]\n---\n\n<Step id="one" title="One">\n\n\`\`\`sh run\ndocker run hello-world\n\`\`\`\n\n\`\`\`check\nkind: container\nimage: hello-world\nlogsContain: Hello\n\`\`\`\n\n</Step>\n`;
  fs.mkdirSync(path.join(content, "lessons", "demo"), { recursive: true });
  const lint = () => exec("node", ["--import", "tsx", "lab-runner/src/authoring/lint-cli.ts"], { env: { ...freshEnv(), DOCKYARD_CONTENT_DIR: content } });
  fs.writeFileSync(path.join(content, "lessons", "demo", "lesson.mdx"), lesson(`hello-world, ${image!.name}`));
  const ok = await lint();
  assert.match(ok.stdout, /ℹ fail 0/, ok.stdout);
  fs.writeFileSync(path.join(content, "lessons", "demo", "lesson.mdx"), lesson("hello-world, not-loaded"));
  await assert.rejects(lint(), (err: { stdout: string }) => /image “not-loaded” is not available on this installation/.test(err.stdout));
});
