import { test } from "node:test";
import assert from "node:assert/strict";
import { AckCounter, TERMINAL_LIMITS, type Ack } from "@dockyard/contract";

// A counter whose acknowledgements are collected, with a small batch of 100 bytes.
const counter = (every = 100) => {
  const sent: Ack[] = [];
  return { acks: new AckCounter((ack) => sent.push(ack), every), sent };
};

test("nothing is acknowledged below the batch size", () => {
  const { acks, sent } = counter();
  acks.rendered(99);
  assert.deepEqual(sent, []);
});

test("reaching the batch size exactly acknowledges it", () => {
  const { acks, sent } = counter();
  acks.rendered(100);
  assert.deepEqual(sent, [{ type: "ack", bytes: 100 }]);
});

test("several writes add up, and the ack counts all of them", () => {
  const { acks, sent } = counter();
  acks.rendered(40);
  acks.rendered(40);
  assert.deepEqual(sent, []);
  acks.rendered(40);
  assert.deepEqual(sent, [{ type: "ack", bytes: 120 }]);
});

test("one write larger than a batch is acknowledged whole, in one ack", () => {
  const { acks, sent } = counter();
  acks.rendered(1000);
  assert.deepEqual(sent, [{ type: "ack", bytes: 1000 }]);
});

test("the count starts again after each ack", () => {
  const { acks, sent } = counter();
  acks.rendered(150);
  acks.rendered(60);
  assert.deepEqual(sent, [{ type: "ack", bytes: 150 }], "60 bytes since the last ack are not a batch yet");
  acks.rendered(40);
  assert.deepEqual(sent, [
    { type: "ack", bytes: 150 },
    { type: "ack", bytes: 100 },
  ]);
});

test("what is acknowledged adds up to what was rendered, less a remainder under one batch", () => {
  const { acks, sent } = counter();
  const writes = [1, 99, 57, 300, 12, 0, 42, 100, 7, 250, 3, 64];
  writes.forEach((bytes) => acks.rendered(bytes));
  const rendered = writes.reduce((a, b) => a + b, 0);
  const acknowledged = sent.reduce((n, ack) => n + ack.bytes, 0);
  assert.ok(
    sent.every((ack) => ack.bytes >= 100),
    "every ack is at least a batch",
  );
  assert.ok(rendered - acknowledged >= 0 && rendered - acknowledged < 100, `${rendered - acknowledged} bytes left unacknowledged`);
  acks.rendered(100);
  assert.equal(
    sent.reduce((n, ack) => n + ack.bytes, 0),
    rendered + 100,
    "the next ack carries the remainder: nothing is lost",
  );
});

test("by default a batch is the protocol's TERMINAL_LIMITS.ackEveryBytes", () => {
  const sent: Ack[] = [];
  const acks = new AckCounter((ack) => sent.push(ack));
  acks.rendered(TERMINAL_LIMITS.ackEveryBytes - 1);
  assert.deepEqual(sent, []);
  acks.rendered(1);
  assert.deepEqual(sent, [{ type: "ack", bytes: TERMINAL_LIMITS.ackEveryBytes }]);
});
