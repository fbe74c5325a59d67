import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import WebSocket, { WebSocketServer } from "ws";
import { createServer } from "../../lab-runner/src/http/server";
import { LabManager } from "../../lab-runner/src/labs";
import { issue, issueLabToken, sandboxIdFor, type Lesson } from "@dockyard/contract/server";
import type { SandboxDriver } from "../../lab-runner/src/sandbox/driver";

// The web preview's proxy (HTTP and WebSocket upgrades, cookies, redirects, refusals) against an app on
// this machine standing in for the one in a sandbox: the fake driver says the sandbox's address is 127.0.0.1.

const SECRET = "preview-test-secret";
const LESSON = "web";
const ann = { learner: "ann", lesson: LESSON, sandbox: sandboxIdFor("ann", LESSON) };
const bob = { learner: "bob", lesson: LESSON, sandbox: sandboxIdFor("bob", LESSON) };

/** A port the fake driver reaches through a unix socket, as the Kubernetes driver reaches a pod's ports (a port-forward). */
const SOCKET_PORT = 4242;
const socketPath = path.join(os.tmpdir(), `dockyard-preview-test-${process.pid}.sock`);

const driver = {
  get: async (id: string) => ({ id, running: true, nodes: ["node1"] }),
  endpoint: async (_id: string, _node: string, port: number) => (port === SOCKET_PORT ? { socketPath } : { host: "127.0.0.1", port }),
} as unknown as SandboxDriver;
const lesson = { slug: LESSON, nodes: 1, images: [], steps: [] } as unknown as Lesson;
const labs = new LabManager(driver, {
  idleTimeoutMs: 60_000,
  findLesson: (slug) => (slug === LESSON ? lesson : undefined),
  spawnPty: () => undefined as never,
});

let runner: http.Server;
let app: http.Server;
let socketApp: http.Server;
let appPort: number;
let closedPort: number;
let base: string;

const listen = async (server: http.Server) => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
};

before(async () => {
  app = http.createServer((req, res) => {
    if (req.url === "/redirect") return void res.writeHead(302, { location: "/login" }).end();
    if (req.url === "/cookies")
      return void res.writeHead(200, { "set-cookie": ["theme=dark; Path=/", "dockyard_session=forged; Path=/", "cart=1; Path=/shop; Domain=localhost"] }).end();
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ url: req.url, cookie: req.headers.cookie ?? null, prefix: req.headers["x-forwarded-prefix"] }));
  });
  new WebSocketServer({ server: app }).on("connection", (ws, req) => ws.on("message", (data) => ws.send(`echo ${data} on ${req.url}`)));
  appPort = await listen(app);
  socketApp = http.createServer((req, res) => app.emit("request", req, res));
  new WebSocketServer({ server: socketApp }).on("connection", (ws, req) => ws.on("message", (data) => ws.send(`echo ${data} on ${req.url} via the socket`)));
  await new Promise<void>((resolve) => socketApp.listen(socketPath, resolve));
  const closed = http.createServer();
  closedPort = await listen(closed);
  closed.close();
  runner = createServer(labs, SECRET);
  base = `http://127.0.0.1:${await listen(runner)}`;
});

after(() => {
  runner.close();
  app.close();
  socketApp.close();
});

const prefix = (port = appPort, sandbox = ann.sandbox) => `/preview/${sandbox}/node1/${port}`;
const get = (path: string, headers: Record<string, string> = {}) => fetch(base + path, { headers, redirect: "manual" });

/** Opens the preview with a lab token like the lesson page's link does; returns the preview cookie. */
async function enter(port = appPort): Promise<string> {
  const token = issueLabToken(SECRET, ann, 60);
  const res = await get(`${prefix(port)}/hello?x=1&token=${token}`);
  assert.equal(res.status, 303);
  assert.equal(res.headers.get("location"), `${prefix(port)}/hello?x=1`);
  const cookie = res.headers.get("set-cookie")!;
  assert.match(cookie, new RegExp(`^dockyard_preview=[^;]+; Path=${prefix(port)}/; Max-Age=\\d+; HttpOnly; SameSite=Lax$`));
  return cookie.split(";")[0]!;
}

test("a lab token is swapped for a cookie of that preview, and the app gets the request without Dockyard's cookies", async () => {
  const cookie = await enter();
  const res = await get(`${prefix()}/hello?x=1`, { cookie: `${cookie}; dockyard_session=secret-session; theme=dark` });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { url: "/hello?x=1", cookie: "theme=dark", prefix: prefix() });
});

test("the app's redirects and cookies stay inside the preview; it cannot set Dockyard's cookies", async () => {
  const cookie = await enter();
  assert.equal((await get(`${prefix()}/redirect`, { cookie })).headers.get("location"), `${prefix()}/login`);
  const res = await get(`${prefix()}/cookies`, { cookie });
  assert.deepEqual(res.headers.getSetCookie(), [`theme=dark; Path=${prefix()}/`, `cart=1; Path=${prefix()}/shop`]);
});

test("a URL that stops at the port is redirected to its slash, the token kept", async () => {
  const res = await get(`${prefix()}?token=abc`);
  assert.equal(res.status, 303);
  assert.equal(res.headers.get("location"), `${prefix()}/?token=abc`);
});

test("WebSocket upgrades go through to the app with the preview cookie, and are refused without it", async () => {
  const cookie = await enter();
  const ws = new WebSocket(`${base.replace("http", "ws")}${prefix()}/socket`, { headers: { cookie } });
  const reply = await new Promise<string>((resolve, reject) => {
    ws.on("open", () => ws.send("ping"));
    ws.on("message", (data) => resolve(data.toString()));
    ws.on("error", reject);
  });
  assert.equal(reply, "echo ping on /socket");
  ws.close();

  const refused = new WebSocket(`${base.replace("http", "ws")}${prefix()}/socket`);
  const status = await new Promise<number>((resolve) => refused.on("unexpected-response", (_req, res) => resolve(res.statusCode!)));
  assert.equal(status, 401);
});

test("no token, another learner's token, an expired token or a cookie of another port are refused with a clear error", async () => {
  const cases: [string, Record<string, string>, number, RegExp][] = [
    [`${prefix()}/`, {}, 401, /Open this preview from the lesson page/],
    [`${prefix()}/?token=${issueLabToken(SECRET, bob, 60)}`, {}, 403, /another learner's sandbox/],
    [`${prefix()}/?token=${issue(SECRET, "lab", ann, 60, Date.now() - 3600_000)}`, {}, 401, /expired/],
    [`${prefix(appPort, bob.sandbox)}/`, { cookie: await enter() }, 403, /another learner's sandbox/],
    [`${prefix()}/`, { cookie: await enter(closedPort) }, 403, /another learner's sandbox, or the link was for another port/],
    [
      `${prefix()}/`,
      { cookie: `dockyard_preview=${issue(SECRET, "preview", { ...ann, node: "node1", port: String(appPort) }, 60, Date.now() - 3600_000)}` },
      401,
      /expired/,
    ],
  ];
  for (const [path, headers, status, message] of cases) {
    const res = await get(path, headers);
    assert.equal(res.status, status, path);
    assert.match((await res.json()).message, message);
  }
});

test("a browser is shown an HTML page; a port nothing listens on says so", async () => {
  const res = await get(`${prefix(closedPort)}/`, { cookie: await enter(closedPort), accept: "text/html" });
  assert.equal(res.status, 502);
  assert.match(res.headers.get("content-type")!, /text\/html/);
  assert.match(await res.text(), new RegExp(`Nothing answers on port ${closedPort} of node1`));
});

/** A request with its own Host header, as the front server passes it on for a preview's own host name. */
function onHost(host: string, path: string, cookie?: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { headers: { host, ...(cookie && { cookie }) } }, (res) => {
      let body = "";
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on("error", reject).end();
  });
}

test("under a wildcard preview URL each preview is its own host name: the Host says which, every path is the app's", async (t) => {
  process.env.DOCKYARD_PREVIEW_URL = "https://*.preview.example.net";
  t.after(() => delete process.env.DOCKYARD_PREVIEW_URL);
  const host = `${ann.sandbox}-node1-${appPort}.preview.example.net`;
  const entered = await onHost(host, `/hello?x=1&token=${issueLabToken(SECRET, ann, 60)}`);
  assert.equal(entered.status, 303);
  assert.equal(entered.headers.location, "/hello?x=1");
  const cookie = entered.headers["set-cookie"]![0]!;
  assert.match(cookie, /^dockyard_preview=[^;]+; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax$/);

  const res = await onHost(host, "/admin/status?x=1", `${cookie.split(";")[0]}; dockyard_session=secret-session`);
  assert.equal(res.status, 200);
  assert.deepEqual(JSON.parse(res.body), { url: "/admin/status?x=1", cookie: null }); // the app's own path, not the lab-runner's admin route
  assert.equal((await onHost(`${bob.sandbox}-node1-${appPort}.preview.example.net`, "/", cookie.split(";")[0])).status, 403);
  assert.equal((await onHost(host, "/")).status, 401);
});

test("the front server may get a certificate only for the host name of a node that runs", async (t) => {
  process.env.DOCKYARD_PREVIEW_URL = "https://*.preview.example.net";
  t.after(() => delete process.env.DOCKYARD_PREVIEW_URL);
  const ask = async (domain: string) => (await get(`/preview-certificate?domain=${domain}`)).status;
  assert.equal(await ask(`${ann.sandbox}-node1-8080.preview.example.net`), 200);
  assert.equal(await ask(`${ann.sandbox}-node2-8080.preview.example.net`), 404); // the lab has one node
  assert.equal(await ask(`made-up.preview.example.net`), 404);
  assert.equal(await ask(`${ann.sandbox}-node1-8080.evil.example.net`), 404);
});

test("a node's port the driver reaches through a unix socket is proxied alike, HTTP and WebSocket", async () => {
  const cookie = await enter(SOCKET_PORT);
  const res = await get(`${prefix(SOCKET_PORT)}/hello?x=1`, { cookie });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { url: "/hello?x=1", cookie: null, prefix: prefix(SOCKET_PORT) });
  const ws = new WebSocket(`${base.replace("http", "ws")}${prefix(SOCKET_PORT)}/socket`, { headers: { cookie } });
  const reply = await new Promise<string>((resolve, reject) => {
    ws.on("open", () => ws.send("ping"));
    ws.on("message", (data) => resolve(data.toString()));
    ws.on("error", reject);
  });
  assert.equal(reply, "echo ping on /socket via the socket");
  ws.close();
});
