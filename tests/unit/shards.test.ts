import { test, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocket, WebSocketServer } from "ws";
import { sandboxIdFor, type HostStatus, type LabStatus } from "@dockyard/contract/server";
import { labOfRequest, ownerOf, Shards } from "../../lab-runner/src/http/shards";
import type { Sandbox, SandboxDriver } from "../../lab-runner/src/sandbox/driver";

// Lab-runner replicas share the labs by a stable hash of the sandbox id; a replica forwards HTTP and WebSocket
// requests about another's lab to it (two replicas here are small servers on loopback that say who answered), and
// sees only its own labs in the driver's list. tests/integration/runner-replicas.test.ts runs two real lab-runners.

const idOwnedBy = (replica: number, replicas: number) => {
  for (let i = 0; ; i++) {
    const id = sandboxIdFor(`learner-${i}`, "first-container");
    if (ownerOf(id, replicas) === replica) return id;
  }
};

const request = (url: string, host = "127.0.0.1:3001") => ({ url, headers: { host } }) as unknown as http.IncomingMessage;

test("a lab's owner is a stable hash of its sandbox id, spread over the replicas", () => {
  assert.equal(ownerOf("dy-0123456789abcdef0123", 3), ownerOf("dy-0123456789abcdef0123", 3));
  assert.equal(ownerOf("dy-0123456789abcdef0123", 1), 0);
  const counts = [0, 0, 0];
  for (let i = 0; i < 300; i++) counts[ownerOf(sandboxIdFor(`learner-${i}`, "first-container"), 3)]!++;
  for (const count of counts) assert.ok(count > 70 && count < 130, `shares ${counts.join("/")}`);
});

test("the lab a request is about: by its route, a preview's host name, or the front server's certificate question", () => {
  const id = "dy-0123456789abcdef0123";
  for (const path of [
    `/sandboxes/${id}`,
    `/sandboxes/${id}/terminal?token=t`,
    `/sandboxes/${id}/checks/hello`,
    `/recordings/${id}?node=node1`,
    `/preview/${id}/node1/8080/x?y=1`,
    `/admin/labs/${id}/suspend`,
  ])
    assert.equal(labOfRequest(request(path)), id, path);
  for (const path of ["/health", "/admin/status", "/sandboxes/NOT_AN_ID/terminal", "/preview-certificate?domain=x"])
    assert.equal(labOfRequest(request(path)), undefined, path);

  process.env.DOCKYARD_PREVIEW_URL = "https://*.preview.example-labs.net";
  try {
    assert.equal(labOfRequest(request("/any/path", `${id}-node2-3000.preview.example-labs.net`)), id);
    assert.equal(labOfRequest(request(`/preview-certificate?domain=${id}-node1-80.preview.example-labs.net`)), id);
    assert.equal(labOfRequest(request("/preview-certificate?domain=evil.example.org")), undefined);
  } finally {
    delete process.env.DOCKYARD_PREVIEW_URL;
  }
});

test("replica settings out of range are refused at start", () => {
  assert.throws(() => new Shards({ replicas: 2, replica: 2, peerUrl: "http://x-{i}" }), /DOCKYARD_RUNNER_REPLICA must be 0 … 1/);
  assert.throws(() => new Shards({ replicas: 0, replica: 0, peerUrl: "http://x-{i}" }), /DOCKYARD_RUNNER_REPLICAS must be/);
});

test("a replica sees only its own labs in the driver's list; one replica sees the driver as it is", async () => {
  const mine = idOwnedBy(0, 2);
  const theirs = idOwnedBy(1, 2);
  const sandboxes = [mine, theirs].map((id) => ({ id, running: true }) as Sandbox);
  const driver = {
    list: async () => sandboxes,
    limits: { cpus: 1 },
    get: async (id: string) => sandboxes.find((s) => s.id === id),
  } as unknown as SandboxDriver;
  const own = new Shards({ replicas: 2, replica: 0, peerUrl: "http://x-{i}" }).ownLabsOnly(driver);
  assert.deepEqual(
    (await own.list()).map((s) => s.id),
    [mine],
  );
  assert.equal((await own.get(theirs))?.id, theirs, "everything but list() is the driver's own");
  assert.equal(own.limits.cpus, 1);
  assert.equal(new Shards({ replicas: 1, replica: 0, peerUrl: "http://x-{i}" }).ownLabsOnly(driver), driver);
});

/**
 * A replica on 127.0.0.1<index> (the peer URL template http://127.0.0.1{i}:<port> names each by its number, as
 * http://lab-runner-{i}.lab-runner:3001 does in a cluster): forwards through Shards what it does not own, else answers
 * who it is and what it was told, over HTTP and WebSocket.
 */
async function replica(index: number, port: number) {
  const server = http.createServer((req, res) => {
    if (shards.web(req, res)) return;
    res.end(JSON.stringify({ replica: index, url: req.url, forwardedFor: req.headers["x-forwarded-for"] ?? null }));
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on("upgrade", (req, socket, head) => {
    if (shards.upgrade(req, socket, head)) return;
    wss.handleUpgrade(req, socket, head, (ws) => ws.on("message", (m) => ws.send(`replica ${index} heard ${m}`)));
  });
  await new Promise<void>((resolve) => server.listen(port, `127.0.0.1${index}`, resolve));
  const bound = (server.address() as AddressInfo).port;
  const shards = new Shards({ replicas: 2, replica: index, peerUrl: `http://127.0.0.1{i}:${bound}` });
  after(() => {
    wss.clients.forEach((ws) => ws.terminate());
    server.closeAllConnections();
    server.close();
  });
  return bound;
}

test("a request or WebSocket about another replica's lab is answered by that replica; a loop is refused", async () => {
  const port = await replica(0, 0);
  await replica(1, port);
  const theirs = idOwnedBy(1, 2);
  const mine = idOwnedBy(0, 2);
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`http://127.0.0.10:${port}${path}`, { headers });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  assert.deepEqual((await get(`/sandboxes/${mine}/ports`)).body, { replica: 0, url: `/sandboxes/${mine}/ports`, forwardedFor: null });
  assert.deepEqual((await get("/health")).body.replica, 0);
  // The owner is told the learner's address as replica 0 believed it (its peer on loopback forwarded it).
  const forwarded = await get(`/sandboxes/${theirs}/checks/hello?x=1`, { "x-forwarded-for": "198.51.100.7" });
  assert.deepEqual(forwarded.body, { replica: 1, url: `/sandboxes/${theirs}/checks/hello?x=1`, forwardedFor: "198.51.100.7" });
  assert.equal((await get(`/preview/${theirs}/node1/8080/`)).body.replica, 1);

  const ws = new WebSocket(`ws://127.0.0.10:${port}/sandboxes/${theirs}/terminal?token=t`);
  const heard = new Promise<string>((resolve, reject) => {
    ws.once("message", (m) => resolve(m.toString()));
    ws.once("error", reject);
  });
  await new Promise((resolve) => ws.once("open", resolve));
  ws.send("ls");
  assert.equal(await heard, "replica 1 heard ls");
  ws.close();

  // Replica 1 asked, by a replica that believes replica 0 owns it: refused rather than sent back and forth.
  const loop = await fetch(`http://127.0.0.11:${port}/sandboxes/${mine}/ports`, { headers: { "x-dockyard-forwarded-by": "0" } });
  assert.equal(loop.status, 503);
  assert.match(((await loop.json()) as { message: string }).message, /disagree about which of them holds this lab/);
});

test("a replica that does not answer is told as the lab-runner unreachable", async () => {
  const shards = new Shards({ replicas: 2, replica: 0, peerUrl: "http://127.0.0.1:9" }); // discard: nothing listens
  const server = http.createServer((req, res) => void (shards.web(req, res) || res.end("local")));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  after(() => server.close());
  const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/sandboxes/${idOwnedBy(1, 2)}/ports`);
  assert.equal(res.status, 503);
  assert.equal(((await res.json()) as { error: string }).error, "runner_unreachable");
});

test("the admins' status asked of one replica adds the others' labs and counts; asked by a replica, only its own", async () => {
  const lab = (id: string, state: LabStatus["state"]) => ({ id, learnerId: "l", lessonSlug: "s", state, nodes: 1, connected: false });
  const status = (labs: LabStatus[], answers = true) =>
    ({
      at: "now",
      engine: { answers },
      labs,
      counts: {
        queued: 0,
        booting: 0,
        running: labs.filter((l) => l.state === "running").length,
        suspended: labs.filter((l) => l.state === "suspended").length,
        stopped: 0,
        pooled: 0,
      },
      memory: { totalBytes: 1, availableBytes: 1, labsBytes: 0 },
    }) as unknown as HostStatus;
  const peer = http.createServer((req, res) => {
    assert.equal(req.headers.authorization, "Bearer admin-token", "the admin's token goes along");
    res.end(JSON.stringify(status([lab("dy-b", "suspended"), lab("dy-c", "running")], false)));
  });
  await new Promise<void>((resolve) => peer.listen(0, "127.0.0.11", resolve));
  after(() => peer.close());
  const shards = new Shards({ replicas: 2, replica: 0, peerUrl: `http://127.0.0.1{i}:${(peer.address() as AddressInfo).port}` });
  const own = status([lab("dy-a", "running")]);
  const asked = (headers: Record<string, string>) => ({ headers: { authorization: "Bearer admin-token", ...headers } }) as unknown as http.IncomingMessage;

  const all = await shards.withPeers(asked({}), own);
  assert.deepEqual(
    all.labs.map((l) => l.id),
    ["dy-a", "dy-c", "dy-b"],
  );
  assert.equal(all.counts.running, 2);
  assert.equal(all.counts.suspended, 1);
  assert.equal(all.engine.answers, false);
  assert.deepEqual(all.memory, own.memory, "the host's figures stay this replica's");
  assert.equal(await shards.withPeers(asked({ "x-dockyard-forwarded-by": "1" }), own), own);
});
