import { test } from "node:test";
import assert from "node:assert/strict";
import { TerminalSession, type Pty, type TerminalClient } from "../../lab-runner/src/terminal/session";
import type { ServerMessage } from "../../lab-runner/src/shared/types";

/** A fake pty: the boundary to a real shell, recorded for assertions. */
class FakePty implements Pty {
  written: string[] = [];
  size?: [number, number];
  paused = false;
  killed = false;
  private dataListener?: (d: Buffer) => void;
  private exitListener?: (e: { exitCode: number }) => void;
  onData(l: (d: Buffer) => void) {
    this.dataListener = l;
  }
  onExit(l: (e: { exitCode: number }) => void) {
    this.exitListener = l;
  }
  write(d: string) {
    this.written.push(d);
  }
  resize(c: number, r: number) {
    this.size = [c, r];
  }
  pause() {
    this.paused = true;
  }
  resume() {
    this.paused = false;
  }
  kill() {
    this.killed = true;
  }
  emit(text: string | Buffer) {
    this.dataListener!(Buffer.from(text));
  }
  exit(code: number) {
    this.exitListener!({ exitCode: code });
  }
}

class RecordingClient implements TerminalClient {
  received: Buffer[] = [];
  messages: ServerMessage[] = [];
  output(d: Buffer) {
    this.received.push(d);
  }
  control(m: ServerMessage) {
    this.messages.push(m);
  }
  get text() {
    return Buffer.concat(this.received).toString();
  }
}

const tick = () => new Promise((r) => setTimeout(r, 20));

function setup(options = {}) {
  const ptys: FakePty[] = [];
  const session = new TerminalSession(() => {
    const p = new FakePty();
    ptys.push(p);
    return p;
  }, options);
  return { session, ptys };
}

test("input reaches the shell and output reaches every attached client", async () => {
  const { session, ptys } = setup();
  const a = new RecordingClient();
  const b = new RecordingClient();
  session.attach(a);
  session.attach(b);
  session.input("ls\r");
  assert.deepEqual(ptys[0]!.written, ["ls\r"]);
  ptys[0]!.emit("file1\r\n");
  await tick();
  assert.equal(a.text, "file1\r\n");
  assert.equal(b.text, "file1\r\n");
  assert.equal(ptys.length, 1, "one shell for the sandbox, however many clients");
});

test("a reconnecting client is replayed the output it missed, from the same shell", async () => {
  const { session, ptys } = setup();
  const first = new RecordingClient();
  const detach = session.attach(first);
  ptys[0]!.emit("before drop\r\n");
  await tick();
  detach();
  ptys[0]!.emit("while away\r\n");
  await tick();
  const again = new RecordingClient();
  session.attach(again);
  assert.equal(again.text, "before drop\r\nwhile away\r\n");
  assert.equal(ptys.length, 1);
});

test("a client that does not acknowledge pauses the shell; acknowledgements resume it", async () => {
  const { session, ptys } = setup({ watermarks: { high: 1000, low: 100 } });
  const slow = new RecordingClient();
  session.attach(slow);
  for (let i = 0; i < 5; i++) ptys[0]!.emit("x".repeat(400));
  await tick();
  assert.equal(ptys[0]!.paused, true);
  session.ack(slow, 1950);
  assert.equal(ptys[0]!.paused, false);
});

test("a detached slow client no longer holds the shell paused, and buffering stays bounded", async () => {
  const { session, ptys } = setup({ watermarks: { high: 1000, low: 100 }, scrollbackBytes: 4096 });
  const slow = new RecordingClient();
  const detach = session.attach(slow);
  ptys[0]!.emit("y".repeat(5000));
  await tick();
  assert.equal(ptys[0]!.paused, true);
  detach();
  assert.equal(ptys[0]!.paused, false);
  for (let i = 0; i < 100; i++) ptys[0]!.emit("z".repeat(10_000));
  await tick();
  assert.ok(session.bufferedBytes <= 4096, `buffered ${session.bufferedBytes} bytes`);
});

test("resize reaches the shell; an exited shell is reported and the next input starts a new one", async () => {
  const { session, ptys } = setup();
  const c = new RecordingClient();
  session.attach(c);
  session.resize(120, 40);
  assert.deepEqual(ptys[0]!.size, [120, 40]);
  ptys[0]!.exit(0);
  assert.deepEqual(c.messages, [{ type: "exit", code: 0 }]);
  session.input("\r");
  assert.equal(ptys.length, 2);
  assert.deepEqual(ptys[1]!.written, ["\r"]);
});
