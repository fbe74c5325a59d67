import { test } from "node:test";
import assert from "node:assert/strict";
import { parseClientMessage } from "../../lab-runner/src/http/protocol";

test("valid terminal messages are accepted", () => {
  assert.deepEqual(parseClientMessage('{"type":"input","data":"ls\\r"}'), { ok: true, message: { type: "input", data: "ls\r" } });
  assert.deepEqual(parseClientMessage('{"type":"resize","cols":120,"rows":40}'), { ok: true, message: { type: "resize", cols: 120, rows: 40 } });
  assert.equal(parseClientMessage('{"type":"ack","bytes":65536}').ok, true);
});

test("malformed, unknown and out-of-range messages are refused with a reason", () => {
  for (const raw of ["not json", "[]", '{"type":"shutdown"}', '{"type":"input"}', '{"type":"input","data":"x","extra":1}']) {
    const parsed = parseClientMessage(raw);
    assert.equal(parsed.ok, false, raw);
    assert.ok(!parsed.ok && parsed.code === "bad_message" && parsed.message.length > 10, raw);
  }
  for (const [cols, rows] of [
    [0, 10],
    [-5, 10],
    [80, 100000],
    [1.5, 10],
  ]) {
    assert.equal(parseClientMessage(JSON.stringify({ type: "resize", cols, rows })).ok, false, `${cols}x${rows}`);
  }
});

test("an oversized paste is refused with its size and the limit", () => {
  const parsed = parseClientMessage(JSON.stringify({ type: "input", data: "a".repeat(200 * 1024) }));
  assert.ok(!parsed.ok);
  assert.equal(parsed.code, "input_too_large");
  assert.match(parsed.message, /200 KiB.*limit is 64 KiB/);
});
