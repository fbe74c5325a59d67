// Watermark flow control between a pty and one WebSocket client (after wetty and xterm.js's guide):
// bytes sent but not yet acknowledged by the browser's renderer are counted; past the high watermark the
// pty is paused, and it resumes once acknowledgements bring the count under the low watermark.

export interface Watermarks {
  high: number;
  low: number;
}

const DEFAULT_WATERMARKS: Watermarks = { high: 1024 * 1024, low: 256 * 1024 };

export class FlowControl {
  private unacked = 0;
  private paused = false;

  constructor(private readonly marks: Watermarks = DEFAULT_WATERMARKS) {}

  /** Count bytes sent to the client; true when the producer must pause now. */
  sent(bytes: number): boolean {
    this.unacked += bytes;
    if (!this.paused && this.unacked > this.marks.high) {
      this.paused = true;
      return true;
    }
    return false;
  }

  /** Count bytes the client rendered; true when the producer may resume now. */
  acked(bytes: number): boolean {
    this.unacked = Math.max(0, this.unacked - bytes);
    if (this.paused && this.unacked < this.marks.low) {
      this.paused = false;
      return true;
    }
    return false;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  get pending(): number {
    return this.unacked;
  }
}
