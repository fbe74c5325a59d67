/**
 * The text of a container's logs as the Engine API returns them. Containers without a TTY interleave 8-byte
 * frame headers (stream, 0, 0, 0, size32be) with the payload; TTY containers send plain bytes.
 */
export function decodeLogs(raw: Buffer): string {
  const parts: Buffer[] = [];
  let at = 0;
  while (at + 8 <= raw.length && raw[at]! <= 2 && raw[at + 1] === 0 && raw[at + 2] === 0 && raw[at + 3] === 0) {
    const size = raw.readUInt32BE(at + 4);
    parts.push(raw.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return at === raw.length && parts.length ? Buffer.concat(parts).toString("utf8") : raw.toString("utf8");
}
