// How a failed lesson or step setup is told (refusal setup_failed): a sentence in plain words, then the end of the
// script's output, which the lesson page shows apart under it. Both sides read it here. Plain data only.

/** How much of a failed setup's output the learner sees: its last bytes. */
export const SETUP_OUTPUT_BYTES = 4096;

const OUTPUT_MARK = "\n\nIts output:\n";

/** The message of a setup_failed refusal: `summary`, then the last SETUP_OUTPUT_BYTES of `output` (if any). */
export function setupFailure(summary: string, output: string): string {
  const bytes = new TextEncoder().encode(output.trimEnd());
  const tail = bytes.length > SETUP_OUTPUT_BYTES ? "…" + new TextDecoder().decode(bytes.slice(-SETUP_OUTPUT_BYTES)).replace(/^\uFFFD+/, "") : output.trimEnd();
  return tail ? `${summary}${OUTPUT_MARK}${tail}` : summary;
}

/** A setup_failed message taken apart: what happened, and the script's output ("" when it printed nothing). */
export function readSetupFailure(message: string): { summary: string; output: string } {
  const at = message.indexOf(OUTPUT_MARK);
  return at < 0 ? { summary: message, output: "" } : { summary: message.slice(0, at), output: message.slice(at + OUTPUT_MARK.length) };
}
