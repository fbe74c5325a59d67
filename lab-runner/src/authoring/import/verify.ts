import YAML from "yaml";
import { fence } from "./markdown";
import { localAddresses } from "./actions";

// A step's verify.sh becomes a `kind: script` check: it runs as root on the node and passes on exit 0, its
// output being what the learner reads when it fails (Killercoda's rule). Katacoda's older rule was that a
// verify passes when it prints "done"; a script written that way is wrapped so that "done" passes (and its
// other output is the message).

/** The script echoes "done" to pass (echo done, echo "done", echo 'done'). */
export const echoesDone = (script: string) => /^[^#\n]*\becho\s+(["']?)done\1\s*(;|&&|\|\||$)/im.test(script);

export function verifyScript(script: string): string {
  const body = localAddresses(script)
    .replace(/^#!.*\n/, "")
    .replace(/\s+$/, "");
  if (!echoesDone(body)) return body + "\n";
  return [
    "# Katacoda's convention: the step is done when the script prints done",
    "verify() {",
    body,
    "}",
    "out=$(verify 2>&1)",
    "if printf '%s\\n' \"$out\" | grep -qx 'done'; then exit 0; fi",
    "printf '%s\\n' \"$out\" | grep -vx 'done'",
    "exit 1",
    "",
  ].join("\n");
}

/** The ```check block for a step's verify script. */
export function verifyCheck(script: string, title: string): string {
  return fence("check", YAML.stringify({ kind: "script", title, script: verifyScript(script) }, { lineWidth: 0 }));
}
