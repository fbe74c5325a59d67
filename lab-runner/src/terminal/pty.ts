import * as pty from "node-pty";
import type { SandboxDriver } from "../sandbox/driver";
import type { Pty } from "./session";

/** A real pseudo-terminal running the sandbox's shell command (raw bytes out: the session decodes nothing). */
export function spawnPty(command: ReturnType<SandboxDriver["shellCommand"]>, size: { cols: number; rows: number }): Pty {
  return pty.spawn(command.file, command.args, {
    name: "xterm-256color",
    cols: size.cols,
    rows: size.rows,
    env: { ...process.env, ...command.env } as Record<string, string>,
    encoding: null,
  }) as unknown as Pty;
}
