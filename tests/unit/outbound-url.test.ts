import { test } from "node:test";
import assert from "node:assert/strict";
import dns from "node:dns";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { addressRefusal, outboundFetch, outboundPost, outboundUrlRefusal, OutboundRefused } from "../../app/_lib/outboundUrl";

// The one SSRF check for URLs Dockyard sends to: which addresses are refused, with and without
// DOCKYARD_OUTBOUND_ALLOW_PRIVATE, and that a request is refused before it connects (outboundPost for webhooks,
// outboundFetch for an LMS's keys, services and registration).

test("link-local, metadata, multicast, reserved and unspecified addresses are always refused", () => {
  for (const ip of [
    "169.254.169.254",
    "169.254.1.1",
    "0.0.0.0",
    "224.0.0.1",
    "255.255.255.255",
    "::",
    "fe80::1",
    "ff02::1",
    "fd00:ec2::254",
    "::ffff:169.254.169.254",
  ])
    for (const allow of [false, true]) assert.match(addressRefusal(ip, allow) ?? "", /never sends to/, `${ip} allow=${allow}`);
});

test("loopback, private networks and this host's own addresses are refused unless private addresses are allowed", () => {
  const cases: [string, RegExp][] = [
    ["127.0.0.1", /loopback/],
    ["127.8.9.10", /loopback/],
    ["::1", /loopback/],
    ["::ffff:127.0.0.1", /loopback/],
    ["10.1.2.3", /private/],
    ["172.16.0.1", /private/],
    ["172.31.255.254", /private/],
    ["192.168.1.1", /private/],
    ["100.64.0.1", /private/],
    ["fd12:3456::1", /private/],
  ];
  for (const [ip, why] of cases) {
    assert.match(addressRefusal(ip, false) ?? "", why, ip);
    assert.equal(addressRefusal(ip, true), undefined, ip);
  }
});

test("public addresses are allowed", () => {
  for (const ip of ["93.184.216.34", "172.32.0.1", "8.8.8.8", "2001:4860:4860::8888", "::ffff:93.184.216.34"])
    assert.equal(addressRefusal(ip, false), undefined, ip);
});

test("a URL is refused in plain words for its scheme, credentials, or its address", async () => {
  delete process.env.DOCKYARD_OUTBOUND_ALLOW_PRIVATE;
  assert.match((await outboundUrlRefusal("not a url")) ?? "", /not a URL/);
  assert.match((await outboundUrlRefusal("file:///etc/passwd")) ?? "", /Only http:\/\/ and https:\/\//);
  assert.match((await outboundUrlRefusal("gopher://example.org/")) ?? "", /Only http/);
  assert.match((await outboundUrlRefusal("https://user:pw@example.org/")) ?? "", /user name and password/);
  assert.match((await outboundUrlRefusal("http://169.254.169.254/latest/meta-data/")) ?? "", /metadata/);
  assert.match((await outboundUrlRefusal("http://[::1]:9501/")) ?? "", /loopback.*DOCKYARD_OUTBOUND_ALLOW_PRIVATE=1/);
  assert.match((await outboundUrlRefusal("http://localhost:9501/")) ?? "", /localhost is at .*loopback/);
});

test("with private addresses allowed, loopback URLs pass but metadata stays refused", async () => {
  process.env.DOCKYARD_OUTBOUND_ALLOW_PRIVATE = "1";
  try {
    assert.equal(await outboundUrlRefusal("http://127.0.0.1:9501/hooks"), undefined);
    assert.equal(await outboundUrlRefusal("http://localhost:9501/hooks"), undefined);
    assert.match((await outboundUrlRefusal("http://169.254.169.254/")) ?? "", /never sends to/);
  } finally {
    delete process.env.DOCKYARD_OUTBOUND_ALLOW_PRIVATE;
  }
});

test("a request to a refused address never reaches it; an allowed one is posted as given", async () => {
  const received: string[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      received.push(`${req.method} ${req.url} ${req.headers["x-test"]} ${body}`);
      res.writeHead(202).end("thanks");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://localhost:${(server.address() as AddressInfo).port}/in`;
  try {
    await assert.rejects(outboundPost(url, {}, "{}"), OutboundRefused);
    assert.deepEqual(received, []);
    process.env.DOCKYARD_OUTBOUND_ALLOW_PRIVATE = "1";
    assert.deepEqual(await outboundPost(url, { "x-test": "yes" }, '{"a":1}'), { status: 202, body: "thanks" });
    assert.deepEqual(received, ['POST /in yes {"a":1}']);
  } finally {
    delete process.env.DOCKYARD_OUTBOUND_ALLOW_PRIVATE;
    server.close();
  }
});

test("a name whose DNS answer changes between the check and the connection (rebinding) is refused when connecting", async (t) => {
  const received: string[] = [];
  const server = http.createServer((req, res) => {
    received.push(req.url!);
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => server.close());
  // The check sees a public address; the connection's own look-up then answers loopback.
  t.mock.method(dns.promises, "lookup", async () => [{ address: "93.184.216.34", family: 4 }]);
  t.mock.method(dns, "lookup", (_host: string, _options: object, callback: (e: null, a: dns.LookupAddress[]) => void) =>
    callback(null, [{ address: "127.0.0.1", family: 4 }]),
  );
  const url = `http://rebound.example:${(server.address() as AddressInfo).port}/in`;
  assert.equal(await outboundUrlRefusal(url), undefined);
  await assert.rejects(
    outboundPost(url, {}, "{}"),
    (e: Error) => e instanceof OutboundRefused && /127\.0\.0\.1 is this machine's loopback address/.test(e.message),
  );
  assert.deepEqual(received, []);
});

test("outboundFetch: any method, the answer's status, headers and body; a refused address is never reached, a redirect never followed", async (t) => {
  const received: string[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      received.push(`${req.method} ${req.url} ${req.headers["content-type"] ?? "-"} ${body}`);
      if (req.url === "/moved") return res.writeHead(302, { location: "http://169.254.169.254/latest" }).end();
      if (req.url === "/none") return res.writeHead(204).end();
      res.writeHead(200, { "content-type": "application/json", link: '</roster?page=2>; rel="next"' }).end('{"members":[]}');
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => {
    delete process.env.DOCKYARD_OUTBOUND_ALLOW_PRIVATE;
    server.close();
  });
  const base = `http://localhost:${(server.address() as AddressInfo).port}`;
  delete process.env.DOCKYARD_OUTBOUND_ALLOW_PRIVATE;
  await assert.rejects(outboundFetch(`${base}/roster`), (e: Error) => e instanceof OutboundRefused && /loopback/.test(e.message));
  assert.deepEqual(received, []);

  process.env.DOCKYARD_OUTBOUND_ALLOW_PRIVATE = "1";
  const roster = await outboundFetch(`${base}/roster`, { headers: { accept: "application/json" } });
  assert.equal(roster.status, 200);
  assert.equal(roster.headers.get("link"), '</roster?page=2>; rel="next"');
  assert.deepEqual(await roster.json(), { members: [] });
  const posted = await outboundFetch(new URL(`${base}/token`), { method: "POST", body: new URLSearchParams({ grant_type: "client_credentials" }) });
  assert.equal(posted.status, 200);
  assert.equal((await outboundFetch(`${base}/none`, { method: "DELETE" })).status, 204);
  await assert.rejects(
    outboundFetch(`${base}/moved`),
    (e: Error) => e instanceof OutboundRefused && /redirect \(HTTP 302 to http:\/\/169\.254\.169\.254\/latest\)/.test(e.message),
  );
  assert.deepEqual(received, [
    "GET /roster - ",
    "POST /token application/x-www-form-urlencoded;charset=UTF-8 grant_type=client_credentials",
    "DELETE /none - ",
    "GET /moved - ",
  ]);
});

test("outboundFetch checks the address it connects to (rebinding), and gives up when its signal says so", async (t) => {
  const server = http.createServer(() => {}); // never answers
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const port = (server.address() as AddressInfo).port;
  process.env.DOCKYARD_OUTBOUND_ALLOW_PRIVATE = "1";
  try {
    const aborted = outboundFetch(`http://127.0.0.1:${port}/jwks`, { signal: AbortSignal.timeout(200) });
    await assert.rejects(aborted, (e: Error) => e.name === "TimeoutError");
  } finally {
    delete process.env.DOCKYARD_OUTBOUND_ALLOW_PRIVATE;
  }
  t.mock.method(dns.promises, "lookup", async () => [{ address: "93.184.216.34", family: 4 }]);
  t.mock.method(dns, "lookup", (_host: string, _options: object, callback: (e: null, a: dns.LookupAddress[]) => void) =>
    callback(null, [{ address: "127.0.0.1", family: 4 }]),
  );
  await assert.rejects(outboundFetch(`http://rebound.example:${port}/jwks`), (e: Error) => e instanceof OutboundRefused && /loopback/.test(e.message));
});
