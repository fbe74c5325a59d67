// The sandbox's shell reports each command it finished on the terminal itself, as an escape sequence of Dockyard's
// own (~/.bashrc in lab-runner/sandbox-image/bashrc writes it just before the prompt):
//
//   ESC ] 6973 ; <exit status> ; <step> ; <command> BEL
//
// with \ newline tab CR escaped as \\ \n \t \r and any other control character as \xHH, so the sequence holds no
// control character but its BEL. The terminal session takes these out of the stream before anything else sees it
// (the browser, live views, the scrollback, the recording) and hands them to the command log (recordings/command-log.ts),
// which keeps them on the host. What the shell reports is still the learner's to forge (they are root there); what
// they cannot do any more is change a report once the lab-runner has it.
//
// The filter works on bytes, across chunk boundaries. A sequence that breaks off (a control character, or longer
// than a report can be) is dropped, never passed on: no part of an escape sequence of ours reaches a terminal.

export interface CommandReport {
  exitCode: number;
  /** The step the shell read from the step file (checks/commands.ts writes it). */
  step: string;
  command: string;
}

const INTRO = Buffer.from("\x1b]6973;");
const ESC = 0x1b;
const BEL = 0x07;
/** The shell cuts a command to 4000 characters; each may take up to 4 bytes, or 4 as \xHH. */
const MAX_PAYLOAD = 20_000;

export class CommandReportFilter {
  /** Bytes held back: the start of what may be a report's intro, or a report not finished yet. */
  private held: Buffer = Buffer.alloc(0);
  /** Inside a report (its intro was seen). */
  private inReport = false;

  /** The chunk without reports, and the reports it finished, in order. */
  strip(chunk: Buffer): { output: Buffer; reports: CommandReport[] } {
    const data = this.held.length ? Buffer.concat([this.held, chunk]) : chunk;
    this.held = Buffer.alloc(0);
    const out: Buffer[] = [];
    const reports: CommandReport[] = [];
    let pos = 0;
    while (pos < data.length) {
      if (this.inReport) {
        const end = payloadEnd(data, pos);
        if (end === -1) {
          if (data.length - pos > MAX_PAYLOAD)
            this.inReport = false; // dropped; what follows is plain output
          else this.held = data.subarray(pos);
          pos = data.length;
          break;
        }
        this.inReport = false;
        if (data[end] === BEL) {
          const report = parseReport(data.subarray(pos, end).toString("utf8"));
          if (report) reports.push(report);
          pos = end + 1;
        } else pos = end; // broken off by a control character: dropped, the character is output again
        continue;
      }
      const esc = data.indexOf(ESC, pos);
      if (esc === -1) {
        out.push(data.subarray(pos));
        break;
      }
      out.push(data.subarray(pos, esc));
      const seen = Math.min(INTRO.length, data.length - esc);
      if (data.compare(INTRO, 0, seen, esc, esc + seen) !== 0) {
        out.push(data.subarray(esc, esc + 1));
        pos = esc + 1;
      } else if (seen < INTRO.length) {
        this.held = data.subarray(esc); // maybe an intro, cut by the chunk's end
        break;
      } else {
        this.inReport = true;
        pos = esc + INTRO.length;
      }
    }
    return { output: out.length === 1 ? out[0]! : Buffer.concat(out), reports };
  }
}

/** Where the payload from `from` ends: its BEL, or the control character that broke it off; -1 if not in `data`. */
function payloadEnd(data: Buffer, from: number): number {
  for (let i = from; i < data.length; i++) if (data[i]! < 0x20) return i;
  return -1;
}

function parseReport(payload: string): CommandReport | undefined {
  const match = /^(\d{1,3});([^;]*);(.*)$/s.exec(payload);
  if (!match) return undefined;
  return { exitCode: Number(match[1]), step: unescaped(match[2]!), command: unescaped(match[3]!) };
}

const unescaped = (text: string) =>
  text.replace(/\\(x[0-9a-fA-F]{2}|.)/g, (_, c: string) =>
    c.length === 3 ? String.fromCharCode(parseInt(c.slice(1), 16)) : c === "n" ? "\n" : c === "t" ? "\t" : c === "r" ? "\r" : c,
  );
