import { test } from "node:test";
import assert from "node:assert/strict";
import type http from "node:http";
import { clientAddress } from "../../lab-runner/src/http/socketLimits";

// The address the lab-runner counts a new WebSocket against (DOCKYARD_WS_PER_ADDRESS): behind the front server,
// which connects from loopback for everyone, the learner's it forwards; never a forwarded one from anyone else.

const request = (peer: string, forwarded?: string) =>
  ({ socket: { remoteAddress: peer }, headers: forwarded === undefined ? {} : { "x-forwarded-for": forwarded } }) as unknown as http.IncomingMessage;

test("behind the front server each learner counts by the address it forwards; without it, by the peer's", (t) => {
  assert.equal(clientAddress(request("127.0.0.1", "198.51.100.7")), "127.0.0.1");
  process.env.DOCKYARD_PUBLIC_URL = "https://labs.example.org";
  t.after(() => delete process.env.DOCKYARD_PUBLIC_URL);
  assert.equal(clientAddress(request("127.0.0.1", "198.51.100.7")), "198.51.100.7");
  assert.equal(clientAddress(request("::ffff:127.0.0.1", "203.0.113.1, 198.51.100.7")), "198.51.100.7");
  assert.equal(clientAddress(request("::1", "2001:db8::1")), "2001:db8::1");
  assert.equal(clientAddress(request("127.0.0.1")), "127.0.0.1");
  assert.equal(clientAddress(request("192.0.2.9", "198.51.100.7")), "192.0.2.9"); // not through the front server: told nothing
});
