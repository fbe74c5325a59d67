import { test } from "node:test";
import assert from "node:assert/strict";
import { FlowControl } from "../../lab-runner/src/terminal/flowcontrol";
import { Scrollback } from "../../lab-runner/src/terminal/scrollback";

test("flow control pauses past the high watermark and resumes under the low one", () => {
  const flow = new FlowControl({ high: 100, low: 20 });
  assert.equal(flow.sent(60), false);
  assert.equal(flow.sent(60), true, "120 unacked > 100 must pause");
  assert.equal(flow.isPaused, true);
  assert.equal(flow.sent(10), false, "already paused: no second pause signal");
  assert.equal(flow.acked(100), false, "30 unacked is still above the low watermark");
  assert.equal(flow.acked(20), true, "10 unacked < 20 resumes");
  assert.equal(flow.isPaused, false);
  assert.equal(flow.acked(1000), false);
  assert.equal(flow.pending, 0, "over-acknowledging never goes negative");
});

test("scrollback keeps only the most recent bytes", () => {
  const sb = new Scrollback(10);
  sb.push(Buffer.from("abcdef"));
  sb.push(Buffer.from("ghijkl"));
  assert.equal(sb.contents().toString(), "ghijkl", "the oldest whole chunk is dropped first");
  sb.push(Buffer.from("0123456789ABCDEF"));
  assert.equal(sb.contents().toString(), "6789ABCDEF", "a chunk larger than the capacity keeps its tail");
  assert.equal(sb.bytes, 10);
});
