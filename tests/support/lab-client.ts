import { issueLabToken, sandboxIdFor } from "@dockyard/contract/server";
import type { Stack } from "./stack";
import { TerminalClient } from "./terminal-client";

/**
 * One learner's lab of one lesson as the stack's lab-runner serves it, driven with lab tokens signed by the
 * stack's secret (minted when used: the secret exists once the stack is reset).
 */
export function labClient(stack: Stack, learner: string, lesson: string) {
  const sandbox = sandboxIdFor(learner, lesson);
  const token = () => issueLabToken(stack.secret, { learner, sandbox, lesson }, 600);
  const call = (method: string, action = "") =>
    fetch(`${stack.runnerUrl}/sandboxes/${sandbox}${action}`, { method, headers: { authorization: `Bearer ${token()}` } });
  const terminalUrl = () => `${stack.runnerUrl.replace(/^http/, "ws")}/sandboxes/${sandbox}/terminal?token=${encodeURIComponent(token())}`;
  return {
    learner,
    sandbox,
    get token() {
      return token();
    },
    get url() {
      return terminalUrl();
    },
    terminal: (autoAck = true) => new TerminalClient(terminalUrl(), autoAck),
    start: () => call("POST", "/start"),
    /** Stop lab: suspends it, everything in it kept; the next terminal resumes it. */
    suspend: () => call("POST", "/suspend"),
    check: async (step: string) => {
      const res = await call("POST", `/checks/${step}`);
      return { status: res.status, body: await res.json() };
    },
    remove: () => call("DELETE"),
  };
}
