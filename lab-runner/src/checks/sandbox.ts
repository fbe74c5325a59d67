import type { FileCheck, HttpCheck, ScriptCheck, CriterionResult } from "@dockyard/contract/server";
import type { JudgeContext } from "./context";
import { criterion, quote } from "./criteria";

// Kinds judged by running something inside the sandbox itself (not in an inner container).

const MAX_MESSAGE = 2000;
const MAX_READ_BYTES = 1024 * 1024;

// Relative paths are relative to /root, where the learner's shell starts. Prints the kind, then the content.
const FILE_PROBE = `cd /root 2>/dev/null
if [ -d "$1" ]; then echo directory
elif [ -e "$1" ]; then echo file; if [ "$2" = read ]; then head -c ${MAX_READ_BYTES} -- "$1"; fi
else echo missing; fi`;

export async function judgeFile(check: FileCheck, ctx: JudgeContext): Promise<CriterionResult[]> {
  const { path } = check;
  const probe = await ctx.exec(["sh", "-c", FILE_PROBE, "sh", path, check.contains ? "read" : ""], { timeoutMs: 10_000 });
  if (probe.exitCode !== 0) throw new Error(probe.output.trim() || `exit code ${probe.exitCode}`);
  const newline = probe.output.indexOf("\n");
  const kind = newline < 0 ? probe.output : probe.output.slice(0, newline);
  const content = newline < 0 ? "" : probe.output.slice(newline + 1);
  if (!check.exists)
    return [
      kind === "missing" ? criterion("file absent", true, `${path} does not exist.`) : criterion("file absent", false, `${path} still exists; remove it.`),
    ];
  if (kind === "missing") return [criterion("file exists", false, `There is no file ${path} yet.`)];
  const results = [criterion("file exists", true, `${path} exists.`)];
  if (check.contains !== undefined) {
    const ok = kind === "file" && content.includes(check.contains);
    results.push(
      criterion(
        "file contents",
        ok,
        ok
          ? `${path} contains “${check.contains}”.`
          : kind === "directory"
            ? `${path} is a directory, not a file.`
            : `${path} does not contain “${check.contains}”.`,
      ),
    );
  }
  return results;
}

// Prints "curl-exit-code http-status", curl's error on one line, then the body.
const HTTP_PROBE = `body=$(mktemp) err=$(mktemp)
status=$(curl -sS -o "$body" -w '%{http_code}' --max-time "$2" "$1" 2>"$err")
echo "$? $status"; head -c 300 "$err" | tr '\\n' ' '; echo; head -c 65536 "$body"; rm -f "$body" "$err"`;

export async function judgeHttp(check: HttpCheck, ctx: JudgeContext): Promise<CriterionResult[]> {
  const { url } = check;
  const probe = await ctx.exec(["sh", "-c", HTTP_PROBE, "sh", url, String(check.timeoutSeconds)], {
    timeoutMs: (check.timeoutSeconds + 5) * 1000,
  });
  const [head = "", error = "", ...rest] = probe.output.split("\n");
  const [curlExit, status] = head.split(" ").map(Number);
  const body = rest.join("\n");
  const statusName = `status ${check.status}`;
  if (probe.exitCode !== 0 || curlExit === undefined || Number.isNaN(curlExit)) throw new Error(probe.output.trim() || `exit code ${probe.exitCode}`);
  if (curlExit !== 0) return [criterion(statusName, false, `${url} could not be reached: ${error.trim() || `curl exit code ${curlExit}`}.`)];
  const results = [
    criterion(statusName, status === check.status, status === check.status ? `${url} answered ${status}.` : `${url} answered ${status}, not ${check.status}.`),
  ];
  if (check.bodyContains !== undefined) {
    const ok = body.includes(check.bodyContains);
    results.push(
      criterion(
        "response body",
        ok,
        ok
          ? `The response from ${url} contains “${check.bodyContains}”.`
          : body.trim()
            ? `The response from ${url} was ${quote(body)}, which does not contain “${check.bodyContains}”.`
            : `The response from ${url} was empty; it should contain “${check.bodyContains}”.`,
      ),
    );
  }
  return results;
}

export async function judgeScript(check: ScriptCheck, ctx: JudgeContext): Promise<CriterionResult[]> {
  const { exitCode, output } = await ctx.exec(["bash", "-c", check.script], { timeoutMs: check.timeoutSeconds * 1000 });
  const message = output.trim().slice(-MAX_MESSAGE) || (exitCode === 0 ? "Done." : `Not yet (exit code ${exitCode}).`);
  return [criterion(check.title ?? "script", exitCode === 0, message)];
}
