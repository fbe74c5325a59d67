import { test } from "node:test";
import assert from "node:assert/strict";
import { TerminalSession, type Pty, type TerminalClient, type TerminalWatcher } from "../../lab-runner/src/terminal/session";
import type { ServerMessage } from "@dockyard/contract";

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

class Watcher extends RecordingClient implements TerminalWatcher {
  disconnected?: string;
  disconnect(reason: string) {
    this.disconnected = reason;
  }
}

test("a watcher sees the terminal's size and recent output, then live output; the learner is told how many watch", async () => {
  const { session, ptys } = setup();
  const learner = new RecordingClient();
  session.attach(learner);
  session.resize(100, 30);
  ptys[0]!.emit("before\r\n");
  await tick();
  const watcher = new Watcher();
  const stop = session.watch(watcher);
  assert.deepEqual(watcher.messages, [{ type: "size", cols: 100, rows: 30 }]);
  assert.equal(watcher.text, "before\r\n");
  ptys[0]!.emit("live\r\n");
  await tick();
  assert.equal(watcher.text, "before\r\nlive\r\n");
  session.resize(120, 40);
  assert.deepEqual(watcher.messages.at(-1), { type: "size", cols: 120, rows: 40 });
  const again = new RecordingClient();
  session.attach(again); // a learner's tab opened later learns of the watcher at once
  stop();
  assert.deepEqual(learner.messages, [
    { type: "watchers", count: 1 },
    { type: "watchers", count: 0 },
  ]);
  assert.deepEqual(again.messages, [
    { type: "watchers", count: 1 },
    { type: "watchers", count: 0 },
  ]);
  assert.equal(ptys.length, 1, "watching starts no shell of its own");
});

test("a watcher that does not acknowledge is disconnected and never pauses the learner's shell", async () => {
  const { session, ptys } = setup({ watermarks: { high: 1000, low: 100 }, watcherLagBytes: 3000 });
  const learner = new RecordingClient();
  session.attach(learner);
  const slow = new Watcher();
  session.watch(slow);
  const keeping = new Watcher();
  session.watch(keeping);
  for (let i = 0; i < 8; i++) {
    ptys[0]!.emit("x".repeat(500));
    await tick();
    session.ack(learner, 500);
    session.ackWatcher(keeping, 500);
    assert.equal(ptys[0]!.paused, false, "the shell runs whatever the watchers do");
  }
  assert.equal(slow.disconnected, "lagging");
  assert.equal(keeping.disconnected, undefined);
  assert.equal(
    slow.received.reduce((n, b) => n + b.length, 0),
    3500,
    "nothing more after it fell behind",
  );
  assert.deepEqual(learner.messages.at(-1), { type: "watchers", count: 1 });
});

test("watchers are ended with the session; the recorder gets the output and every size", async () => {
  const recorded: string[] = [];
  const { session, ptys } = setup({
    recorder: { output: (d: Buffer) => recorded.push(`o:${d}`), resize: (c: number, r: number) => recorded.push(`r:${c}x${r}`) },
  });
  session.attach(new RecordingClient());
  ptys[0]!.emit("hi");
  await tick();
  session.resize(90, 20);
  const watcher = new Watcher();
  session.watch(watcher);
  session.close();
  assert.equal(watcher.disconnected, "ended");
  assert.deepEqual(recorded, ["r:80x24", "o:hi", "r:90x20"]);
});
