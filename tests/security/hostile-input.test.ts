import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import WebSocket from "ws";
import { Stack } from "../support/stack";
import { TerminalClient } from "../support/terminal-client";
import {
  issue,
  issueLabToken,
  issueViewerToken,
  LAB_TOKEN,
  RECORDING_TOKEN,
  SESSION_TOKEN,
  WATCH_TOKEN,
  sandboxIdFor,
  FILE_LIMITS,
  TERMINAL_LIMITS,
  type ServerMessage,
} from "@dockyard/contract/server";
import { DockerSandboxDriver } from "../../lab-runner/src/sandbox/docker";

// Hostile input against the real stack (site, lab-runner, sandboxes): malformed and oversized terminal frames, bogus
// resizes, huge pastes, path traversal in the editor and the lesson assets, bad tokens, fuzzed API requests. Each must
// get a clear error; after each group both services answer and a terminal opened before the abuse still echoes.
// Every attempt group prints `# attempt | result`.

const SITE = 3240,
  RUNNER = 3241,
  LESSON = "first-container";
const stack = new Stack({ name: "hostile-it", sitePort: SITE, runnerPort: RUNNER });
const driver = new DockerSandboxDriver();
const sandboxes = new Set<string>();
const report = (attempt: string, result: string) => console.log(`# ${attempt} | ${result}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- whatever the server answered, read field by field
type Res = { status: number; text: string; json?: any; headers: http.IncomingHttpHeaders };
/** One HTTP request with its path sent as is (no client-side resolving of .. or %2e); status 0 when the connection failed. */
function req(port: number, method: string, p: string, headers: Record<string, string> = {}, body?: string | Buffer): Promise<Res> {
  const length = body === undefined ? {} : { "content-length": String(Buffer.byteLength(body)) }; // Node frames no DELETE body by itself
  return new Promise((resolve) => {
    const r = http.request({ host: "127.0.0.1", port, method, path: p, headers: { ...length, ...headers }, agent: false }, (res) => {
      let text = "";
      res
        .setEncoding("utf8")
        .on("data", (c) => (text += c))
        .on("end", () => resolve({ status: res.statusCode!, text, json: parse(text), headers: res.headers }));
    });
    r.on("error", (e) => resolve({ status: 0, text: e.message, headers: {} }));
    r.end(body);
  });
}
const parse = (text: string) => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};
const bearer = (token?: string): Record<string, string> => (token === undefined ? {} : { authorization: `Bearer ${token}` });
const isError = (r: Res) => typeof r.json?.error === "string" && typeof r.json?.message === "string";

function lab(learner: string) {
  const sandbox = sandboxIdFor(learner, LESSON);
  sandboxes.add(sandbox);
  return { learner, sandbox, token: issueLabToken(stack.secret, { learner, sandbox, lesson: LESSON }, 900) };
}
const wsUrl = (sandbox: string, token: string, kind = "terminal") => `ws://127.0.0.1:${RUNNER}/sandboxes/${sandbox}/${kind}?token=${encodeURIComponent(token)}`;
const watchUrl = () => wsUrl(me.sandbox, issueViewerToken(stack.secret, WATCH_TOKEN, { sandbox: me.sandbox, lesson: LESSON }, 300), "watch");

/** A socket's fate: the HTTP status it was refused with, or its close code and what it was told. `send` goes once it is ready. */
function wsAttempt(
  url: string,
  send?: string | Buffer,
  enough?: (m: ServerMessage) => boolean,
): Promise<{ status?: number; code?: number; messages: ServerMessage[]; output: string }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url),
      messages: ServerMessage[] = [];
    let output = "";
    ws.on("message", (d, binary) => {
      if (binary) return void (output += d.toString());
      const m: ServerMessage = JSON.parse(d.toString());
      messages.push(m);
      if (send !== undefined && m.type === "ready") ws.send(send);
      if (enough?.(m)) ws.close();
    });
    ws.on("unexpected-response", (r, res) => (resolve({ status: res.statusCode, messages, output }), r.destroy()));
    ws.on("error", () => {});
    ws.on("close", (code) => resolve({ code, messages, output }));
  });
}

/** A frame below the WebSocket library (on a raw socket): the close code the runner answers it with. */
function rawFrame(p: string, frame: Buffer): Promise<number | undefined> {
  return new Promise((resolve) => {
    const sock = net.connect(RUNNER, "127.0.0.1");
    let data = Buffer.alloc(0),
      at = -1;
    sock.write(
      `GET ${p} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${crypto.randomBytes(16).toString("base64")}\r\n\r\n`,
    );
    sock.on("data", (d) => {
      data = Buffer.concat([data, d]);
      if (at < 0 && (at = data.indexOf("\r\n\r\n")) >= 0) ((at += 4), sock.write(frame));
      while (at >= 0 && data.length >= at + 2) {
        // the server's frames, up to its close frame
        const short = data[at + 1]! & 0x7f,
          start = at + 2 + (short === 126 ? 2 : short === 127 ? 8 : 0);
        if (data.length < start) return;
        const len = short === 126 ? data.readUInt16BE(at + 2) : short === 127 ? Number(data.readBigUInt64BE(at + 2)) : short;
        if (data.length < start + len) return;
        if ((data[at]! & 0x0f) === 8) return (resolve(data.readUInt16BE(start)), sock.destroy());
        at = start + len;
      }
    });
    sock.on("error", () => {});
    sock.on("close", () => resolve(undefined));
  });
}

let cookie = "",
  round = 0;
let me: ReturnType<typeof lab>;
let alive: TerminalClient, t: TerminalClient; // the terminal opened before the abuse, and the one that takes it
async function connect() {
  [alive, t].forEach((c) => c?.close());
  [alive, t] = [new TerminalClient(wsUrl(me.sandbox, me.token)), new TerminalClient(wsUrl(me.sandbox, me.token))];
  await Promise.all([alive.ready(180_000), t.ready(180_000)]);
}
const runnerUp = async () => (await req(RUNNER, "GET", "/health")).status === 200;
/** Both services answer and `alive` still echoes. A crashed lab-runner is restarted (and the group fails), so later groups still run. */
async function survives(what: string): Promise<void> {
  const runner = await req(RUNNER, "GET", "/health"),
    site = await req(SITE, "GET", "/");
  if (runner.status !== 200) await stack.startRunner().then(connect);
  assert.equal(runner.status, 200, `${what}: the lab-runner stopped answering (${runner.text})`);
  assert.equal(site.status, 200, `${what}: the site stopped answering`);
  alive.type(`echo alive-$((${++round}*7))\r`);
  await alive.waitForText(`alive-${round * 7}`);
}
const errors = (from: number) => t.messages.slice(from).filter((m): m is Extract<ServerMessage, { type: "error" }> => m.type === "error");
/** Sends frames on `t` and returns the error each got. */
async function refusals(frames: (string | Buffer)[]) {
  const from = t.messages.length;
  for (const f of frames) t.socket.send(f);
  await t.until(() => errors(from).length >= frames.length, 30_000, `${frames.length} refusals`);
  return errors(from);
}

describe("hostile input gets clear errors and never crashes a service", { timeout: 1_200_000 }, () => {
  before(async () => {
    await stack.reset();
    await stack.start();
    const res = await req(SITE, "POST", `/api/labs/${LESSON}`); // as a browser does: no cookie yet
    assert.equal(res.status, 200, res.text);
    cookie = String(res.headers["set-cookie"]).match(/dockyard_session=[^;]+/)![0];
    me = lab(JSON.parse(Buffer.from(cookie.split("=")[1]!.split(".")[0]!, "base64url").toString()).learner);
    assert.equal(res.json.sandboxId, me.sandbox);
    await connect();
  });
  after(async () => {
    [alive, t].forEach((c) => c?.close());
    await stack.stop();
    await Promise.all([...sandboxes].map((id) => driver.remove(id)));
  });

  test("1. malformed, oversized and bursts of WebSocket frames to the terminal", async () => {
    const shapes = [
      Buffer.from([0, 255, 1]),
      "{type: input",
      "",
      "[]",
      "null",
      "42",
      '"input"',
      "{}",
      '{"type":"exec","cmd":"reboot"}',
      '{"type":"input"}',
      '{"type":"input","data":5}',
      '{"type":"input","data":"x","extra":1}',
      '{"type":"ack","bytes":-1}',
      '{"type":"step","step":"../../etc"}',
      '{"__proto__":{"type":"input","data":"id\\r"}}',
    ];
    const got = await refusals(shapes);
    assert.deepEqual(
      got.map((e) => e.code),
      shapes.map(() => "bad_message"),
    );
    assert.deepEqual([got[0]!.message, got[1]!.message], ["Terminal messages must be JSON text.", "Terminal message is not JSON."]);
    for (const e of got.slice(3)) assert.match(e.message, /^Terminal message refused \(.+\)\.$/);
    assert.match(got[8]!.message, /type/);
    assert.match(got[10]!.message, /data: .*expected string/);
    report(
      `${shapes.length} malformed frames (binary, bad JSON, wrong shapes and types, unknown type, extra keys)`,
      `each answered {type:"error",code:"bad_message"}, e.g. "${got[10]!.message}"`,
    );
    assert.equal((await refusals(Array.from({ length: 2000 }, (_, i) => (i % 2 ? `{"type":"resize","cols":${-i}}` : `{"${i}`)))).length, 2000);
    (t.type("echo burst-$((6*7))\r"), await t.waitForText("burst-42"));
    report("burst of 2000 malformed frames on one socket", "2000 errors, the socket stays open and still types");
    await survives("the malformed frames");
    const problems: string[] = []; // every attempt runs (a crashed runner is restarted), then the group fails if any went wrong
    const big = (url: string, payload: string | Buffer) => async () => (await wsAttempt(url, payload)).code;
    const raw = (bytes: number[]) => () => rawFrame(`/sandboxes/${me.sandbox}/terminal?token=${me.token}`, Buffer.from(bytes));
    const attempts: [string, () => Promise<number | undefined>, number][] = [
      [
        "1.2 MiB text frame to the terminal (over the 1 MiB maxPayload)",
        big(wsUrl(me.sandbox, me.token), JSON.stringify({ type: "input", data: "x".repeat(1.2 * 1024 * 1024) })),
        1009,
      ],
      ["1.2 MiB binary frame to the terminal", big(wsUrl(me.sandbox, me.token), Buffer.alloc(1.2 * 1024 * 1024)), 1009],
      ["1.2 MiB text frame to a live view", big(watchUrl(), "x".repeat(1.2 * 1024 * 1024)), 1009],
      ["raw frame with reserved opcode 0x3", raw([0x83, 0x80, 0, 0, 0, 0]), 1002],
      ["raw unmasked client frame", raw([0x81, 0x01, 0x41]), 1002],
      ["raw text frame of invalid UTF-8", raw([0x81, 0x82, 0, 0, 0, 0, 0xff, 0xfe]), 1007],
    ];
    for (const [what, attempt, expected] of attempts) {
      const code = await attempt(),
        up = await runnerUp();
      report(what, `closed ${code}, runner ${up ? "up" : "DOWN"}`);
      if (code !== expected || !up) problems.push(`${what}: closed ${code} (expected ${expected}), runner ${up ? "up" : "DOWN"}`);
      await survives(what).catch((e: Error) => problems.push(e.message));
    }
    assert.deepEqual(problems, []);
  });

  test("2. bogus resize values are refused and the pty keeps its last good size", async () => {
    const sttySize = async () => (t.clearText(), t.type("stty size\r"), await t.waitForText(/\d+ \d+\r\n/), t.text.match(/(\d+ \d+)\r\n/)![1]);
    for (let i = 0; i < 20 && (await sttySize()) !== "31 101"; i++) (t.send({ type: "resize", cols: 101, rows: 31 }), await sleep(250)); // docker exec passes it on in its own time
    const bogus = [
      [-1, 24],
      [80, -5],
      [0, 0],
      [null, null],
      ["NaN", "NaN"],
      ["80", "24"],
      [1e9, 1e9],
      [80.5, 24],
      [80, 24.25],
      [1, 24],
      [1001, 24],
      [80, 501],
      [{}, []],
    ];
    const frames = [
      ...bogus.map(([cols, rows]) => JSON.stringify({ type: "resize", cols, rows })),
      '{"type":"resize","cols":NaN,"rows":24}',
      '{"type":"resize","cols":80}',
      '{"type":"resize","cols":80,"rows":24,"x":0}',
    ];
    const got = await refusals(frames);
    assert.deepEqual(
      got.map((e) => e.code),
      frames.map(() => "bad_message"),
    );
    for (const e of got.slice(0, bogus.length)) assert.match(e.message, /^Terminal message refused \((cols|rows): .+\)\.$/);
    await sleep(1500);
    assert.equal(await sttySize(), "31 101");
    const watcher = await wsAttempt(watchUrl(), undefined, (m) => m.type === "size");
    assert.deepEqual(
      watcher.messages.find((m) => m.type === "size"),
      { type: "size", cols: 101, rows: 31 },
      "the session's own size",
    );
    report(
      `${frames.length} bogus resizes (negative, 0, null, "NaN", NaN, strings, 1e9, floats, out of range, missing, extra key)`,
      `each refused, e.g. "${got[6]!.message}"; stty size and a live view still say 31 101`,
    );
    await survives("the bogus resizes");
  });

  test("3. a paste over the input limit is refused with the limit, and nothing of it is typed", async () => {
    t.clearText();
    const max = TERMINAL_LIMITS.maxInputBytes;
    const pastes = [`echo PASTED_${"x".repeat(max)}\r`, `echo PASTED_${"é".repeat(max / 2)}\r`, `echo PASTED_${"y".repeat(1000 * 1024)}\r`];
    assert.ok(pastes[1]!.length < max && Buffer.byteLength(pastes[1]!) > max, "the limit counts bytes, not characters");
    const got = await refusals(pastes.map((data) => JSON.stringify({ type: "input", data })));
    for (const e of got)
      (assert.equal(e.code, "input_too_large"), assert.match(e.message, new RegExp(`the limit is ${max / 1024} KiB per paste\\. Nothing was typed\\.`)));
    (t.type("echo paste-$((5*5))\r"), await t.waitForText("paste-25"));
    assert.ok(!t.text.includes("PASTED_"), "no part of a refused paste reached the shell");
    report(
      `pastes of ${pastes.map((p) => Buffer.byteLength(p)).join(", ")} B (the second ${pastes[1]!.length} chars of "é")`,
      `each refused input_too_large, nothing typed: "${got[0]!.message}"`,
    );
    await survives("the huge pastes");
  });

  test("4. path traversal in the file editor stays inside the sandbox", async () => {
    const hostDir = fs.mkdtempSync(path.join(os.tmpdir(), "dockyard-hostile-")),
      hostFile = path.join(hostDir, "secret.txt");
    const canary = crypto.randomBytes(16).toString("hex"),
      signing = path.join(stack.dataDir, "secret");
    fs.writeFileSync(hostFile, canary);
    t.type(
      `mkdir -p /root/lnk && ln -sfn /proc/1/root${hostFile} /root/lnk/proc && ln -sfn ${hostFile} /root/lnk/host && ln -sfn /proc/1/root/etc /root/lnk/etc && ln -sfn ${signing} /root/lnk/signing && echo links-$((3*3))\r`,
    );
    await t.waitForText("links-9");
    const seen: string[] = [];
    const file = async (via: "runner" | "site", method: string, p: string, list = false, body?: string) => {
      const route = `${list ? "/list" : ""}?${new URLSearchParams({ path: p })}`;
      const r =
        via === "runner"
          ? await req(RUNNER, method, `/sandboxes/${me.sandbox}/files${route}`, bearer(me.token), body)
          : await req(SITE, method, `/api/labs/${LESSON}/files${route}`, { cookie }, body);
      seen.push(r.text);
      assert.ok(r.status < 500 && (r.status < 400 || isError(r)), `${via} ${method} ${JSON.stringify(p.slice(0, 80))}: ${r.status} ${r.text}`);
      return r;
    };
    const own = (await file("runner", "GET", "/etc/hostname")).json.content;
    const reads: [string, number, RegExp][] = [
      [`../../../../..${hostFile}`, 400, /must be absolute/],
      [`%2e%2e%2f%2e%2e%2f${hostFile}`, 400, /must be absolute/],
      ["relative/file", 400, /must be absolute/],
      ["", 400, /Give the file's path/],
      [`${hostFile}\0`, 400, /NUL/],
      [`/etc/passwd\0.txt`, 400, /NUL/],
      [`/${"a/".repeat(FILE_LIMITS.maxPathLength / 2)}`, 400, /over 4096 characters/],
      [hostFile, 404, /no file or directory/],
      [`/root/../../../../..${hostFile}`, 404, /no file/],
      [`/proc/1/root${hostFile}`, 404, /no file/],
      [`/proc/self/root${hostFile}`, 404, /no file/],
      [`/proc/1/root/../../..${hostFile}`, 404, /no file/],
      [`/proc/${stack.runnerPid}/root${hostFile}`, 404, /no file/],
      ["/root/lnk/proc", 404, /no file/],
      ["/root/lnk/host", 404, /no file/],
      ["/root/lnk/signing", 404, /no file/],
      [signing, 404, /no file/],
      [`/root/lnk/etc/../../..${signing}`, 404, /no file/],
    ];
    for (const [p, status, message] of reads)
      for (const via of ["runner", "site"] as const) {
        const r = await file(via, "GET", p),
          listed = await file(via, "GET", p, true);
        assert.deepEqual(
          [r.status, message.test(r.json.message), listed.status >= 400],
          [status, true, true],
          `${via} ${JSON.stringify(p.slice(0, 80))}: ${r.text.slice(0, 200)}`,
        );
      }
    for (const p of ["/proc/1/root/etc/hostname", "/root/lnk/etc/hostname", "/proc/self/root/etc/../etc/hostname"])
      assert.equal((await file("site", "GET", p)).json.content, own, "a /proc/1/root path is the sandbox's own root");
    const writes = [
      hostFile,
      "/root/lnk/proc",
      "/root/lnk/host",
      `/proc/1/root/../..${hostFile}`,
      "/etc/hostname/under-a-file",
      "/proc/version",
      "/sys/kernel/x",
    ];
    const written = [];
    for (const p of writes) for (const via of ["runner", "site"] as const) written.push((await file(via, "PUT", p, false, "overwritten")).status);
    assert.deepEqual(written, [200, 200, 200, 200, 200, 200, 200, 200, 422, 422, 422, 422, 422, 422]);
    assert.equal((await file("runner", "GET", hostFile)).json.content, "overwritten", "the sandbox's own file of that name was written");
    assert.equal(fs.readFileSync(hostFile, "utf8"), canary, "the host file is untouched");
    for (const text of seen) assert.ok(!text.includes(canary) && !text.includes(stack.secret), `a host secret leaked: ${text.slice(0, 200)}`);
    report(
      `${reads.length} traversal paths (.., %2e%2e%2f, NUL, ${FILE_LIMITS.maxPathLength + 1} chars, relative, /proc/1/root, /proc/<runner pid>/root, symlinks to host paths) × runner and site × read and list; ${writes.length} writes`,
      `400 bad_path / 404 not_found; writes land in the sandbox (or 422 file_error for /proc, /sys, under a file); the host canary is in none of ${seen.length} responses`,
    );
    fs.rmSync(hostDir, { recursive: true, force: true });
    await survives("the editor traversal");
  });

  test("5. lesson assets never serve anything outside the lesson folder", async () => {
    const outside = [
      fs.readFileSync("package.json", "utf8").slice(0, 40),
      "root:x:0:0",
      fs.readFileSync("content/packages/debian.txt", "utf8").split("\n")[0]!,
      '<Step id="hello-busybox"',
      stack.secret,
    ];
    const paths = [
      "lesson.mdx",
      "LESSON.MDX",
      "./lesson.mdx",
      `..%2f${LESSON}%2flesson.mdx`,
      "../../../package.json",
      "..%2f..%2f..%2fpackage.json",
      "%2e%2e/%2e%2e/%2e%2e/package.json",
      "%2e%2e%2f%2e%2e%2f%2e%2e%2fpackage.json",
      "%252e%252e%252f%252e%252e%252fpackage.json",
      "..%5c..%5c..%5cpackage.json",
      "..\\..\\..\\package.json",
      "%2fetc%2fpasswd",
      "%2Fproc%2Fself%2Froot%2Fetc%2Fpasswd",
      "..%2f..%2fpackages%2fdebian.txt",
      "%2e%2e%2f%2e%2e%2fpackages%2fdebian.txt",
      "..%252f..%252fpackages%252fdebian.txt",
      "x%00.png",
      "..%2f..%2f..%2f.data%2fstacks%2fhostile-it%2fsecret",
      "..%2f..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd%00.txt",
    ].map((p) => `/lessons/${LESSON}/assets/${p}`);
    paths.push("/lessons/..%2f..%2f/assets/package.json", "/lessons/%2e%2e/assets/package.json", "/lessons/%2e%2e%2f%2e%2e/assets/package.json");
    const statuses = new Set<number>();
    for (const p of paths) {
      let r = await req(SITE, "GET", p);
      if (r.status === 308) r = await req(SITE, "GET", String(r.headers.location)); // Next turns \ into / and redirects
      statuses.add(r.status);
      assert.ok([400, 404].includes(r.status), `${p}: ${r.status}`);
      if (String(r.headers["content-type"]).includes("json")) assert.match(r.json.message, /no such file in this lesson|no lesson/, p);
      for (const marker of outside) assert.ok(!r.text.includes(marker), `${p} served ${JSON.stringify(marker)}`);
    }
    report(
      `${paths.length} asset paths (.., %2e, %2f, double-encoding, backslashes, absolute, lesson.mdx, NUL, traversal in the slug)`,
      `${[...statuses].join("/")} "There is no such file in this lesson."; nothing outside the lesson folder served`,
    );
    await survives("the asset traversal");
  });

  test("6. forged, expired, wrong-kind, foreign, truncated, garbage and huge tokens; a token replayed after its lab was removed", async () => {
    const secret = stack.secret,
      claims = { learner: me.learner, sandbox: me.sandbox, lesson: LESSON },
      other = lab(`hostile-other-${process.pid}`);
    const cases: [string, string | undefined, number, string][] = [
      ["forged lab token (wrong secret)", issueLabToken("not-the-secret", claims, 300), 401, "bad_signature"],
      ["expired lab token", issue(secret, LAB_TOKEN, claims, 60, Date.now() - 3_600_000), 401, "expired"],
      ["watch token", issueViewerToken(secret, WATCH_TOKEN, claims, 300), 401, "wrong_kind"],
      ["session cookie as a token", decodeURIComponent(cookie.split("=")[1]!), 401, "wrong_kind"],
      ["another learner's lab token", other.token, 403, "wrong_sandbox"],
      ["signed lab token naming this sandbox for another learner", issue(secret, LAB_TOKEN, { ...claims, learner: "someone-else" }, 300), 403, "wrong_sandbox"],
      ["lab token, signature truncated", me.token.slice(0, -3), 401, "bad_signature"],
      ["token payload without signature", me.token.split(".")[0]!, 401, "malformed"],
      ['garbage token "..!!"', "..!!", 401, "malformed"],
      ["no token", undefined, 401, "missing"],
    ];
    const routes = [
      ["GET", "/files?path=/etc/hostname"],
      ["GET", "/files/list?path=/"],
      ["PUT", "/files?path=/root/pwned"],
      ["POST", "/start"],
      ["POST", "/checks/hello-busybox"],
      ["GET", "/ports"],
      ["DELETE", ""],
    ] as const;
    for (const [what, token, status, error] of cases) {
      for (const [method, route] of routes) {
        const r = await req(RUNNER, method, `/sandboxes/${me.sandbox}${route}`, bearer(token), method === "PUT" ? "pwned" : undefined);
        assert.deepEqual([r.status, r.json?.error, typeof r.json?.message], [status, error, "string"], `${what}: ${method} ${route}: ${r.text}`);
      }
      const ws = await wsAttempt(wsUrl(me.sandbox, token ?? ""));
      assert.equal(ws.code, status === 403 ? 4403 : 4401, what);
      assert.deepEqual([ws.messages.map((m) => m.type), ws.output], [["error"], ""], what);
      report(
        `${what} on ${routes.length} runner routes and the terminal socket`,
        `${status} ${error}; socket closed ${ws.code} "${(ws.messages[0] as { message: string }).message}"`,
      );
    }
    const huge = "a".repeat(100 * 1024) + "." + "b".repeat(43);
    const hugeHttp = await req(RUNNER, "GET", `/sandboxes/${me.sandbox}/ports`, bearer(huge)),
      hugeWs = await wsAttempt(wsUrl(me.sandbox, huge));
    assert.ok([0, 431].includes(hugeHttp.status), `${hugeHttp.status}`); // Node answers 431 and closes; the client may see the close first
    assert.equal(hugeWs.status, 431);
    report(
      "100 KiB token (in a header, in the socket URL)",
      `${hugeHttp.status || "connection closed"} / ${hugeWs.status}: refused by Node's HTTP parser (Request Header Fields Too Large) before any route`,
    );
    const watchers = [
      [me.token, 4401],
      [issueViewerToken("x", WATCH_TOKEN, claims, 300), 4401],
      [issue(secret, WATCH_TOKEN, claims, -1), 4401],
      [issueViewerToken(secret, WATCH_TOKEN, { sandbox: other.sandbox, lesson: LESSON }, 300), 4403],
    ] as const;
    for (const [token, code] of watchers) assert.deepEqual(await wsAttempt(wsUrl(me.sandbox, token, "watch")).then((w) => [w.code, w.output]), [code, ""]);
    for (const [token, status] of [
      [me.token, 401],
      [issueViewerToken("x", RECORDING_TOKEN, claims, 300), 401],
      [issueViewerToken(secret, RECORDING_TOKEN, { sandbox: other.sandbox, lesson: LESSON }, 300), 403],
    ] as const)
      assert.equal((await req(RUNNER, "GET", `/recordings/${me.sandbox}?node=node1`, bearer(token))).status, status);
    report("lab, forged, expired and foreign tokens on the watch socket and the recordings", "closed 4401/4403 with no output; 401/403");
    assert.equal(await driver.get(other.sandbox), undefined, "no refused token started a sandbox");
    await survives("the bad tokens");

    const r = lab(`hostile-replay-${process.pid}`);
    const open = async (c = new TerminalClient(wsUrl(r.sandbox, r.token))) => (await c.ready(180_000), c.close());
    await open();
    assert.equal((await req(RUNNER, "DELETE", `/sandboxes/${r.sandbox}`, bearer(r.token))).status, 200);
    assert.equal(await driver.get(r.sandbox), undefined, "removed");
    for (const [method, route] of [routes[0], routes[4], routes[5]])
      assert.equal((await req(RUNNER, method, `/sandboxes/${r.sandbox}${route}`, bearer(r.token))).json.error, "not_running", `replayed ${method} ${route}`);
    for (const [method, route] of routes)
      assert.equal((await req(RUNNER, method, `/sandboxes/${me.sandbox}${route}`, bearer(r.token))).status, 403, "a replayed token reaches no other sandbox");
    assert.equal((await wsAttempt(wsUrl(me.sandbox, r.token))).code, 4403);
    const again = await req(RUNNER, "POST", `/sandboxes/${r.sandbox}/start`, bearer(r.token));
    assert.deepEqual([again.status, again.json.sandboxId], [202, r.sandbox], "a replay re-opens only that learner's own lab");
    await open(); // let it finish booting before it is removed
    report(
      "lab token replayed after DELETE of its lab",
      "files/checks/ports 409 not_running, nothing started; other sandboxes 403/4403; POST /start re-opens only that learner's own lab (202, same id) until the token expires",
    );
    await survives("the replayed token");
  });

  test("7. fuzzed requests to every site API route and every runner route", async () => {
    for (const step of ["..%2fstart", `..%2f..%2f${me.sandbox}`, "%2e%2e%2fstart"]) {
      // the check route used to put these in the runner's URL: POST …/start, then a 500
      const r = await req(SITE, "POST", `/api/labs/${LESSON}/steps/${step}/check`, { cookie });
      assert.deepEqual([r.status, r.json?.error], [404, "unknown_step"], `${step}: ${r.text}`);
    }
    report('step ids "../start" and "../../<sandbox>" in the check route', "404 unknown_step (was a POST to the runner's /start, then a 500)");
    let seed = 0x5eed1e;
    const rnd = (x = (seed = (seed + 0x6d2b79f5) | 0)) => (
      (x = Math.imul(x ^ (x >>> 15), x | 1)),
      (x ^= x + Math.imul(x ^ (x >>> 7), x | 61)),
      ((x ^ (x >>> 14)) >>> 0) / 2 ** 32
    ); // mulberry32
    const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!;
    const WEIRD = [
      "",
      "..",
      "../..",
      "%2e%2e%2f",
      "%252e",
      "..\\..",
      "\0",
      "☃",
      "🐳".repeat(40),
      "a".repeat(3000),
      "-1",
      "1e309",
      "NaN",
      "null",
      "__proto__",
      "constructor",
      "<script>",
      "' OR '1'='1",
      "%ZZ",
      "%",
      "node1",
      "node99",
      "/tmp/fz/a b",
      "relative",
    ];
    const seg = (v: string) => (rnd() < 0.3 && /^[\x21-\x7e]*$/.test(v) && !/[?#/]/.test(v) ? v : encodeURIComponent(v));
    const json = (d = 0): unknown =>
      d > 3 || rnd() < 0.3
        ? pick([null, true, 0, -1, 1e308, -1e-308, 2 ** 53 + 1, 1.5, "", "hint", ...WEIRD])
        : rnd() < 0.5
          ? Array.from({ length: Math.floor(rnd() * 4) }, () => json(d + 1))
          : Object.fromEntries(
              Array.from({ length: Math.floor(rnd() * 4) }, () => [pick(["choices", "kind", "index", "type", "path", "__proto__", ...WEIRD]), json(d + 1)]),
            );
    const bodies = [
      () => undefined,
      () => "not json {",
      () => crypto.randomBytes(64),
      () => "[".repeat(8000) + "]".repeat(8000),
      () => '{"choices":[1e400,-1,0.5,"1"],"kind":"hint","index":1e21}',
      () => JSON.stringify({ pad: "x".repeat(16 * 1024) }),
      () => "x".repeat(FILE_LIMITS.maxBytes + 1),
      () => "x".repeat(8 * FILE_LIMITS.maxBytes),
      () => JSON.stringify(json()),
      () => JSON.stringify(json()),
      () => JSON.stringify(json()),
    ];
    const query = () =>
      rnd() < 0.3
        ? ""
        : "?" + Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => `${pick(["path", "node", "format", "token", "x"])}=${seg(pick(WEIRD))}`).join("&");
    const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
    const sessions = [
      cookie,
      "",
      "dockyard_session=garbage",
      `dockyard_session=${issue("not-the-secret", SESSION_TOKEN, { learner: me.learner }, 300)}`,
      `dockyard_session=${issue(stack.secret, SESSION_TOKEN, { learner: me.learner }, -10)}`,
    ];
    // Site routes as found in app/ with the methods each exports; runner routes as lab-runner/src/http/server.ts serves them.
    const siteRoutes = [
      ...(fs.readdirSync("app/api", { recursive: true }) as string[]).filter((f) => f.endsWith("route.ts")).map((f) => `app/api/${f}`),
      "app/lessons/[slug]/assets/[...path]/route.ts",
    ].map((f): [string, string] => [
      [...fs.readFileSync(f, "utf8").matchAll(/export (?:async function|function|const) (GET|POST|PUT|PATCH|DELETE)\b/g)].map((m) => m[1]).join("|") || "GET",
      `/${path.dirname(f.slice(4))}`,
    ]);
    const runnerRoutes = [
      "GET /health",
      "DELETE /sandboxes/[id]",
      "POST /sandboxes/[id]/start",
      "POST /sandboxes/[id]/suspend",
      "POST /sandboxes/[id]/checks/[step]",
      "GET|PUT /sandboxes/[id]/files",
      "GET /sandboxes/[id]/files/list",
      "GET /sandboxes/[id]/ports",
      "GET /sandboxes/[id]/registry",
      "GET /recordings/[id]",
      "GET /sandboxes/[id]/terminal",
      "GET /preview/[id]/node1/8080/[step]",
      "GET /[step]",
    ].map((r) => r.split(" ") as [string, string]);
    const fuzzLab = lab(`hostile-fuzz-${process.pid}`),
      recording = issueViewerToken(stack.secret, RECORDING_TOKEN, { sandbox: me.sandbox, lesson: LESSON }, 300);
    const tally: Record<string, number> = {},
      failures = new Set<string>();
    let bare405 = 0,
      cutOff = 0;
    for (const [service, routes] of [
      ["site", siteRoutes],
      ["runner", runnerRoutes],
    ] as const)
      for (let i = 0; i < 400; i++) {
        const [methods, route] = pick(routes),
          valid = rnd() < 0.5;
        let method = rnd() < 0.7 ? pick(methods.split("|")) : pick(METHODS),
          token = pick([me.token, fuzzLab.token, recording, "garbage", undefined]);
        if (service === "runner" && (method === "DELETE" || route.endsWith("/suspend")) && token === me.token) token = fuzzLab.token; // never remove or suspend the live lab…
        if (service === "runner" && route.endsWith("/start") && token === fuzzLab.token) token = me.token; // …nor start another
        if (service === "site" && route === "/api/labs/[slug]" && method === "DELETE" && valid) method = "POST";
        if (service === "site" && route === "/api/labs/[slug]/suspend" && method === "POST" && valid) method = "GET";
        const id = valid ? (token === fuzzLab.token ? fuzzLab.sandbox : me.sandbox) : pick(WEIRD);
        const url =
          route.replace(/\[(?:\.\.\.)?(\w+)\]/g, (_, slot: string) =>
            seg(!valid ? pick(WEIRD) : slot === "slug" ? LESSON : slot === "step" ? pick(["hello-busybox", "clean-up"]) : slot === "id" ? id : pick(WEIRD)),
          ) + query();
        const data = method === "GET" || method === "HEAD" ? undefined : pick(bodies)();
        const headers = {
          ...(service === "site" ? { cookie: valid ? cookie : pick(sessions) } : bearer(token)),
          ...(rnd() < 0.5 && { "content-type": pick(["application/json", "text/plain", "multipart/form-data; boundary=x"]) }),
        };
        const r = await req(service === "site" ? SITE : RUNNER, method, url, headers, data);
        tally[`${service} ${r.status}`] = (tally[`${service} ${r.status}`] ?? 0) + 1;
        const what = `${service} ${method} ${url.slice(0, 120)} [${data?.length ?? 0} B ${JSON.stringify(headers).slice(0, 60)}] → ${r.status} ${r.text.slice(0, 160)}`;
        if (r.status === 0 && (data?.length ?? 0) > 16 * 1024 && /EPIPE|ECONNRESET/.test(r.text))
          cutOff++; // refused before its body was read, then closed
        else if (r.status === 0 || (r.status >= 500 && !([502, 503].includes(r.status) && isError(r)))) failures.add(what);
        else if (service === "site" && r.status === 405 && r.text === "")
          bare405++; // Next's own answer to a method the route does not export
        else if (r.status >= 400 && method !== "HEAD" && !isError(r) && !(r.status === 404 && /<html/i.test(r.text)))
          failures.add(`${what} (not a JSON {error, message})`);
      }
    report(
      `800 fuzzed requests, seed 0x5eed1e: ${siteRoutes.length} site routes, ${runnerRoutes.length} runner routes (random methods, JSON, deep nesting, huge numbers, non-JSON, bodies over 16 KiB/1 MiB/8 MiB, unicode, %-garbage, odd queries)`,
      `${failures.size} failures; ${JSON.stringify(tally)}; ${bare405} methods a route does not export got Next's bodyless 405; ${cutOff} over-limit bodies cut off (EPIPE) after an early refusal`,
    );
    assert.deepEqual([...failures].slice(0, 15), []);
    await survives("the fuzzing");
  });
});
