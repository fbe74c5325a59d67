// The asciicast v2 format (https://docs.asciinema.org/manual/asciicast/v2/): a JSON header line, then one JSON
// array per line for each event, [seconds since the header's timestamp, code, data]. Shared by the lab-runner,
// which writes recordings, and the site, which lists their markers. Plain data only: no Node imports.

export interface AsciicastHeader {
  version: 2;
  width: number;
  height: number;
  /** Unix seconds: event times count from here. */
  timestamp: number;
  env?: Record<string, string>;
  title?: string;
}

/** "o" output, "i" input, "r" resize ("COLSxROWS"), "m" marker (its label). */
export type AsciicastCode = "o" | "i" | "r" | "m";

export interface AsciicastMarker {
  /** Its position among the recording's markers (what the player seeks by). */
  index: number;
  /** Seconds since the recording's timestamp. */
  time: number;
  label: string;
}

export const encodeHeader = (header: AsciicastHeader) => JSON.stringify(header) + "\n";

/** Times are kept to the microsecond, as asciinema does. */
export const encodeEvent = (time: number, code: AsciicastCode, data: string) => JSON.stringify([Number(time.toFixed(6)), code, data]) + "\n";

export function parseHeader(line: string): AsciicastHeader | undefined {
  try {
    const header = JSON.parse(line) as AsciicastHeader;
    const valid = header?.version === 2 && Number.isInteger(header.width) && Number.isInteger(header.height) && typeof header.timestamp === "number";
    return valid ? header : undefined;
  } catch {
    return undefined;
  }
}

const MARKER_LINE = /^\[\s*[\d.e+-]+\s*,\s*"m"/;

/** The markers of a recording's text, in order; other lines are not parsed, so this stays cheap on large recordings. */
export function markersOf(text: string): AsciicastMarker[] {
  const markers: AsciicastMarker[] = [];
  for (const line of text.split("\n")) {
    if (!MARKER_LINE.test(line)) continue;
    try {
      const [time, , label] = JSON.parse(line) as [number, "m", string];
      markers.push({ index: markers.length, time, label: String(label) });
    } catch {}
  }
  return markers;
}
