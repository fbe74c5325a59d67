import { test } from "node:test";
import assert from "node:assert/strict";
import dns from "node:dns";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { addressRefusal, outboundPost, outboundUrlRefusal, OutboundRefused } from "../../app/_lib/outboundUrl";

// The one SSRF check for URLs Dockyard sends to: which addresses are refused, with and without
// DOCKYARD_OUTBOUND_ALLOW_PRIVATE, and that a request is refused before it connects.

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
