import fs from "node:fs";
import path from "node:path";
import { StringDecoder } from "node:string_decoder";
import { encodeEvent, encodeHeader, parseHeader, type AsciicastCode } from "@dockyard/contract";
import type { TerminalRecorder } from "../terminal/session";

// One node's terminal recorded as an asciicast v2 file, appended event by event. Each line is written with a
// synchronous append before the call returns, so nothing is buffered in memory and a crash loses at most the
// line being written. A file that already exists (an earlier shell, an earlier lab-runner) is continued: its
// header's timestamp stays the origin of every event time, a line cut short by a crash is cut off, and a
// resize event restores the terminal's size. Past the size limit the recording stops with a final marker.

/** The label of the final marker of a recording that reached its limit; such a recording is never appended to again. */
export const STOPPED = "recording stopped";
const STOPPED_LINE = new RegExp(`^\\[[\\d.]+,"m","${STOPPED}`);
/** Room kept under the limit for that final marker. */
const STOP_RESERVE = 256;
const TAIL_CHUNK = 64 * 1024;

export interface RecorderOptions {
  maxBytes: number;
  title: string;
  now?: () => number;
}

export class AsciicastWriter implements TerminalRecorder {
  private fd: number | undefined;
  /** Opened at its first event; once done (closed, stopped at its limit, or failed) it writes nothing more. */
  private state: "unopened" | "open" | "done" = "unopened";
  private originMs = 0;
  private lastTime = 0;
  private bytes = 0;
  private size = { cols: 80, rows: 24 };
  /** "COLSxROWS" as the recording last said it; unknown in a continued file. */
  private recordedSize: string | undefined;
  /** Output chunks may end inside a UTF-8 character: its first bytes wait for the next chunk. */
  private readonly decoder = new StringDecoder("utf8");
  private readonly now: () => number;

  constructor(
    private readonly file: string,
    private readonly options: RecorderOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  output(data: Buffer): void {
    const text = this.decoder.write(data);
    if (text) this.event("o", text);
  }

  resize(cols: number, rows: number): void {
    this.size = { cols, rows };
    const dims = `${cols}x${rows}`;
    if (!this.open() || dims === this.recordedSize) return;
    this.recordedSize = dims;
    this.event("r", dims);
  }

  marker(label: string): void {
    this.event("m", label);
  }

  /** Releases the file for good; a later writer of the same file continues it. */
  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
    this.state = "done";
  }

  private event(code: AsciicastCode, data: string): void {
    if (!this.open()) return;
    const time = Math.max(this.lastTime, (this.now() - this.originMs) / 1000);
    const line = encodeEvent(time, code, data);
    if (this.bytes + Buffer.byteLength(line) > this.options.maxBytes - STOP_RESERVE) return this.stop(time);
    this.append(line);
    this.lastTime = time;
  }

  private stop(time: number): void {
    this.append(encodeEvent(time, "m", `${STOPPED}: it reached its limit of ${sizeText(this.options.maxBytes)}`));
    this.close();
  }

  private append(line: string): void {
    try {
      fs.writeSync(this.fd!, line);
      this.bytes += Buffer.byteLength(line);
    } catch (e) {
      this.fail(e as Error);
    }
  }

  private open(): boolean {
    if (this.state !== "unopened") return this.state === "open";
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      this.fd = fs.openSync(this.file, "a+", 0o600);
      const existing = readExisting(this.fd);
      if (existing?.stopped) {
        this.close();
        return false;
      }
      this.state = "open";
      if (existing) {
        this.originMs = existing.timestamp * 1000;
        this.lastTime = existing.lastTime;
        this.bytes = existing.bytes;
      } else this.begin();
      return this.state === "open";
    } catch (e) {
      this.fail(e as Error);
      return false;
    }
  }

  private begin(): void {
    const timestamp = Math.floor(this.now() / 1000);
    this.originMs = timestamp * 1000;
    this.recordedSize = `${this.size.cols}x${this.size.rows}`;
    const env = { TERM: "xterm-256color", SHELL: "/bin/bash" };
    this.append(encodeHeader({ version: 2, width: this.size.cols, height: this.size.rows, timestamp, env, title: this.options.title }));
  }

  private fail(e: Error): void {
    console.error(`[lab-runner] recording ${this.file} stopped: ${e.message}`);
    this.close();
  }
}

/** What a recording already on disk says, once a line cut short at its end is cut off; undefined when it is empty. */
function readExisting(fd: number): { timestamp: number; lastTime: number; bytes: number; stopped: boolean } | undefined {
  const size = fs.fstatSync(fd).size;
  const { end, lastStart } = completeLines(fd, size);
  if (end < size) fs.ftruncateSync(fd, end);
  if (end === 0) return undefined;
  const header = parseHeader(readText(fd, 0, Math.min(end, TAIL_CHUNK)).split("\n")[0]!);
  if (!header) throw new Error("the file there is not an asciicast v2 recording, so it is left as it is");
  const last = lastStart > 0 ? readText(fd, lastStart, Math.min(512, end - lastStart)) : "";
  return {
    timestamp: header.timestamp,
    lastTime: Number(last.match(/^\[([\d.]+),/)?.[1] ?? 0),
    bytes: end,
    stopped: STOPPED_LINE.test(last),
  };
}

/** Where the file's complete lines end (after its last newline) and where the last of them starts. */
function completeLines(fd: number, size: number): { end: number; lastStart: number } {
  const chunk = Buffer.alloc(TAIL_CHUNK);
  let end = -1;
  for (let pos = size; pos > 0;) {
    const from = Math.max(0, pos - chunk.length);
    const read = fs.readSync(fd, chunk, 0, pos - from, from);
    for (let i = read - 1; i >= 0; i--) {
      if (chunk[i] !== 0x0a) continue;
      if (end === -1) end = from + i + 1;
      else return { end, lastStart: from + i + 1 };
    }
    pos = from;
  }
  return { end: Math.max(end, 0), lastStart: 0 };
}

const sizeText = (bytes: number) => (bytes >= 1024 * 1024 ? `${+(bytes / 1024 / 1024).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`);

function readText(fd: number, position: number, length: number): string {
  const buffer = Buffer.alloc(length);
  return buffer.subarray(0, fs.readSync(fd, buffer, 0, length, position)).toString("utf8");
}
