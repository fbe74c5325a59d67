import { test } from "node:test";
import assert from "node:assert/strict";
import { clientKey, LOCAL_CLIENT } from "@dockyard/contract/server";

test("the client is the last X-Forwarded-For entry, the one the front server wrote", () => {
  assert.equal(clientKey("203.0.113.7"), "203.0.113.7");
  assert.equal(clientKey("198.51.100.1, 203.0.113.7"), "203.0.113.7", "what came before it was the client's own claim");
  assert.equal(clientKey(" 203.0.113.7 "), "203.0.113.7");
  assert.equal(clientKey("::ffff:203.0.113.7"), "203.0.113.7", "IPv4 mapped into IPv6 is the IPv4 address");
});

test("an IPv6 client is keyed by its /64, the network it can hop across", () => {
  assert.equal(clientKey("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
  assert.equal(clientKey("2001:db8:1:2:bbbb:cccc:dddd:eeee"), "2001:db8:1:2::/64");
  assert.equal(clientKey("2001:DB8:0001:0002::9"), "2001:db8:1:2::/64");
  assert.equal(clientKey("2001:db8::1"), "2001:db8:0:0::/64");
  assert.equal(clientKey("fe80::1%eth0"), "fe80:0:0:0::/64");
  assert.equal(clientKey("64:ff9b::203.0.113.7"), "64:ff9b:0:0::/64");
});

test("clients on this host, and anything that is not an address, share one key", () => {
  for (const local of [undefined, null, "", "127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1", "0:0:0:0:0:0:0:1", "unknown", "203.0.113.7, nonsense"])
    assert.equal(clientKey(local), LOCAL_CLIENT, String(local));
});
