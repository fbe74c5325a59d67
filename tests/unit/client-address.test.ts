import { test } from "node:test";
import assert from "node:assert/strict";
import type http from "node:http";
import { LOCAL_CLIENT } from "@dockyard/contract/server";
import { clientAddress } from "../../lab-runner/src/http/socketLimits";

// The client the lab-runner counts a new WebSocket against (DOCKYARD_WS_PER_ADDRESS): behind the front server,
// which connects from loopback for everyone, the learner's it forwards; never a forwarded one from anyone else.

const request = (peer: string, forwarded?: string) =>
  ({ socket: { remoteAddress: peer }, headers: forwarded === undefined ? {} : { "x-forwarded-for": forwarded } }) as unknown as http.IncomingMessage;

test("a loopback peer (the front server) counts by the address it forwards; any other peer by its own", () => {
  assert.equal(clientAddress(request("127.0.0.1", "198.51.100.7")), "198.51.100.7");
  assert.equal(clientAddress(request("::ffff:127.0.0.1", "203.0.113.1, 198.51.100.7")), "198.51.100.7");
  assert.equal(clientAddress(request("::1", "2001:db8::1")), "2001:db8:0:0::/64");
  assert.equal(clientAddress(request("127.0.0.1")), LOCAL_CLIENT);
  assert.equal(clientAddress(request("192.0.2.9", "198.51.100.7")), "192.0.2.9"); // not through the front server: told nothing
});

test("under DOCKYARD_TRUST_FORWARDED_FOR any peer (a front server or a lab-runner replica in a cluster) is believed", () => {
  process.env.DOCKYARD_TRUST_FORWARDED_FOR = "1";
  try {
    assert.equal(clientAddress(request("10.244.1.7", "198.51.100.7")), "198.51.100.7");
    assert.equal(clientAddress(request("10.244.1.7")), "10.244.1.7");
  } finally {
    delete process.env.DOCKYARD_TRUST_FORWARDED_FOR;
  }
});
