// The browser's half of terminal flow control. The lab-runner (src/terminal/flowcontrol.ts) counts the output
// it sent to a browser that the browser has not acknowledged yet: past a high watermark it pauses the shell,
// and a live view that falls that far behind is disconnected. The browser acknowledges output once xterm.js has
// rendered it (its write callback), in batches of at least TERMINAL_LIMITS.ackEveryBytes so that it sends few
// messages. What it has not acknowledged yet is always under one batch, well under the low watermark at which
// the lab-runner resumes a paused shell.

import { TERMINAL_LIMITS, type ClientMessage } from "./types";

export type Ack = Extract<ClientMessage, { type: "ack" }>;

/** Counts the bytes a terminal rendered and acknowledges all of them each time they reach a batch. */
export class AckCounter {
  private unacknowledged = 0;

  constructor(
    private readonly send: (ack: Ack) => void,
    private readonly every: number = TERMINAL_LIMITS.ackEveryBytes,
  ) {}

  rendered(bytes: number): void {
    this.unacknowledged += bytes;
    if (this.unacknowledged < this.every) return;
    this.send({ type: "ack", bytes: this.unacknowledged });
    this.unacknowledged = 0;
  }
}
