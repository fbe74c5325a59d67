import { performance } from "node:perf_hooks";
import type { RawData } from "ws";
import type { Learner } from "./learner";

// A learner typing into their ready terminal: a letter every `keyMs`, Enter after every line of LINE letters. Each
// learner starts at a random moment within a keystroke and at a random place in a line, so a class types, and
// presses Enter (which sets off the page's checks), at its own pace rather than in lockstep. Each letter's echo is timed from the keystroke to its
// arrival on the WebSocket. The letters go to `cat > /dev/null`, so the echo is the terminal's own (as in
// `npm run bench`) and nothing runs but the shell's pipeline. As the lesson page does after every command
// (app/_components/CheckPanel.tsx, AUTO_CHECK_DELAYS_MS), Enter schedules automatic checks of the open step,
// unless they are turned off (to measure the echo without them).

const LINE = 40;
const AUTO_CHECK_DELAYS_MS = [1500, 4000, 8000, 15000];
/** How many keystrokes still awaiting their echo a letter's echo is looked for among (an echo lost is skipped). */
const LOOKAHEAD = 8;

export interface Typing {
  /** Echo round trips, ms. */
  echoes: number[];
  /** Letters whose echo never came. */
  lost: number;
  checks: number;
  failedChecks: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function typeFor(learner: Learner, durationMs: number, keyMs: number, withChecks: boolean): Promise<Typing> {
  const terminal = learner.terminal;
  if (!terminal) throw new Error(`${learner.email} has no terminal to type into`);
  terminal.type("cat > /dev/null\r");
  await terminal.waitForText("/dev/null\r\n", 30_000);

  const result: Typing = { echoes: [], lost: 0, checks: 0, failedChecks: 0 };
  const pending: { key: string; at: number }[] = [];
  const onOutput = (data: RawData, isBinary: boolean) => {
    if (!isBinary) return;
    const now = performance.now();
    for (const char of (data as Buffer).toString("latin1")) {
      const i = pending.slice(0, LOOKAHEAD).findIndex((p) => p.key === char);
      if (i < 0) continue;
      result.lost += i;
      result.echoes.push(now - pending[i]!.at);
      pending.splice(0, i + 1);
    }
  };
  terminal.socket.on("message", onOutput);

  const checks = autoChecks(learner, result);
  const start = performance.now() + Math.random() * keyMs;
  const place = Math.floor(Math.random() * LINE);
  for (let i = 0; i * keyMs < durationMs; i++) {
    await sleep(start + i * keyMs - performance.now());
    if (i > 0 && (i + place) % LINE === 0) {
      terminal.type("\r");
      if (withChecks) checks.afterCommand();
    }
    const key = String.fromCharCode(97 + (i % 26));
    pending.push({ key, at: performance.now() });
    terminal.type(key);
  }
  const drained = performance.now() + 2_000;
  while (pending.length && performance.now() < drained) await sleep(20);
  result.lost += pending.length;
  terminal.socket.off("message", onOutput);
  terminal.type("\x03"); // ends cat: the lab goes idle
  await checks.stop();
  return result;
}

/** The page's automatic checks: a command (re)schedules them, one runs at a time (the letters typed never pass the step). */
function autoChecks(learner: Learner, result: Typing) {
  let timers: ReturnType<typeof setTimeout>[] = [];
  let inFlight: Promise<void> | undefined;
  let stopped = false;
  const check = () => {
    if (inFlight || stopped) return;
    result.checks++;
    inFlight = learner
      .check()
      .then((ok) => void (ok || result.failedChecks++))
      .catch(() => void result.failedChecks++)
      .finally(() => (inFlight = undefined));
  };
  return {
    afterCommand() {
      timers.forEach(clearTimeout);
      timers = AUTO_CHECK_DELAYS_MS.map((ms) => setTimeout(check, ms));
    },
    async stop() {
      stopped = true;
      timers.forEach(clearTimeout);
      await inFlight;
    },
  };
}
