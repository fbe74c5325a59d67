"use client";

import { useEffect, useRef, useState } from "react";
import type { Terminal } from "@xterm/xterm";
import "@xterm/xterm/css/xterm.css";
import {
  AckCounter,
  BOOT_STAGE_LABELS,
  shownStages,
  closedBy,
  TERMINAL_LIMITS,
  type BootStage,
  type RefusalCode,
  type ServerMessage,
} from "@dockyard/contract";
import { COMMAND, emit } from "./events";
import { useCurrentStep } from "./LessonSteps";
import { INTERRUPT_PAUSE_MS, typedInput, type CommandInbox } from "./CommandInbox";
import { SetupFailure } from "./SetupFailure";

export type TerminalStatus =
  | { kind: "connecting" }
  /** Waiting for its turn to boot: `position` of `of` in line (1 is next), for about `estimateSeconds`. */
  | { kind: "queued"; position: number; of: number; estimateSeconds: number }
  | { kind: "booting"; stage?: BootStage; detail?: string }
  | { kind: "ready" }
  | { kind: "reconnecting"; attempt: number }
  /** `code`: the refusal, when the lab-runner refused (setup_failed: the lesson's setup failed, which Retry runs again). */
  | { kind: "failed"; message: string; code?: RefusalCode };

const encoder = new TextEncoder();

const ordinal = (n: number) => {
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? "th" : (({ 1: "st", 2: "nd", 3: "rd" } as Record<number, string>)[n % 10] ?? "th");
  return `${n}${suffix}`;
};

/** A lab's place in line, as the learner reads it: "4th in line — about 20 s". */
export function placeInLine({ position, estimateSeconds }: { position: number; estimateSeconds: number }): string {
  const wait = estimateSeconds < 90 ? `${estimateSeconds} s` : `${Math.round(estimateSeconds / 60)} min`;
  return `${position === 1 ? "next" : ordinal(position)} in line — about ${wait}`;
}

/** A time in the learner's own clock: "12:41" today, with the date before. */
function clockTime(iso: string): string {
  const at = new Date(iso);
  const time = at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  return at.toDateString() === new Date().toDateString() ? time : `${at.toLocaleDateString([], { month: "short", day: "numeric" })}, ${time}`;
}

/**
 * The live shell of one node of the learner's sandbox: xterm.js over a WebSocket to the lab-runner. `node` is
 * passed on to the lab-runner only in labs of several nodes. Run blocks reach it through its inbox.
 */
export function TerminalPanel({
  lesson,
  node,
  inbox,
  onStatus,
}: {
  lesson: string;
  node?: string;
  inbox: CommandInbox;
  onStatus: (status: TerminalStatus) => void;
}) {
  const host = useRef<HTMLDivElement>(null);
  const [status, setStatus] = useState<TerminalStatus>({ kind: "connecting" });
  const [notice, setNotice] = useState<string>();
  const [reachedStages, setReachedStages] = useState<BootStage[]>([]);
  const [watchers, setWatchers] = useState(0);
  const retry = useRef<() => void>(undefined);
  const reportStatus = useRef(onStatus);
  reportStatus.current = onStatus;
  useEffect(() => reportStatus.current(status), [status]);

  // The step the learner works on (the lesson page keeps it): the lab-runner files the commands typed from now
  // on under it, so it is sent once the shell is ready, before anything typed, and whenever it changes.
  const current = useCurrentStep();
  const step = useRef(current);
  const stepChanged = useRef<() => void>(undefined);
  useEffect(() => {
    if (!current || current === step.current) return;
    step.current = current;
    stepChanged.current?.();
  }, [current]);

  useEffect(() => {
    let disposed = false;
    let term: Terminal | undefined;
    let ws: WebSocket | undefined;
    let ready = false;
    let attempt = 0;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    const queued: string[] = [];
    const cleanups: (() => void)[] = [];

    const send = (message: object) => ws?.readyState === WebSocket.OPEN && ws.send(JSON.stringify(message));

    const sendStep = () => ready && step.current && send({ type: "step", step: step.current });
    stepChanged.current = sendStep;
    const sendInput = (data: string) => {
      if (encoder.encode(data).length > TERMINAL_LIMITS.maxInputBytes) {
        setNotice(`That paste is over ${TERMINAL_LIMITS.maxInputBytes / 1024} KiB, so nothing was typed. Paste it in smaller parts.`);
        return;
      }
      if (ready) send({ type: "input", data });
      else queued.push(data);
    };

    async function connect() {
      if (disposed) return;
      let access: { token: string; terminalUrl: string };
      try {
        const res = await fetch(`/api/labs/${lesson}`, { method: "POST" });
        const body = await res.json();
        if (!res.ok) throw Object.assign(new Error(body.message ?? `Could not start the lab (${res.status}).`), { fatal: res.status < 500 });
        access = body;
      } catch (e) {
        return retryOrFail((e as Error).message, Boolean((e as { fatal?: boolean }).fatal));
      }
      if (disposed) return;
      const socket = new WebSocket(`${access.terminalUrl}?token=${encodeURIComponent(access.token)}${node ? `&node=${node}` : ""}`);
      socket.binaryType = "arraybuffer";
      ws = socket;
      const acks = new AckCounter(send);
      let refused: { code: string; message: string } | undefined;
      socket.onopen = () => setStatus((s) => (s.kind === "ready" ? s : { kind: "booting" }));
      socket.onmessage = (event) => {
        if (typeof event.data !== "string") {
          const bytes = new Uint8Array(event.data as ArrayBuffer);
          term?.write(bytes, () => acks.rendered(bytes.length));
          return;
        }
        const m = JSON.parse(event.data) as ServerMessage;
        if (m.type === "queued") {
          setStatus({ kind: "queued", position: m.position, of: m.of, estimateSeconds: m.estimateSeconds });
        } else if (m.type === "stage") {
          setReachedStages((r) => (r.includes(m.stage) ? r : [...r, m.stage]));
          setStatus({ kind: "booting", stage: m.stage, detail: m.detail });
        } else if (m.type === "ready") {
          ready = true;
          attempt = 0;
          setReachedStages((r) => shownStages(r));
          setStatus({ kind: "ready" });
          if (term) send({ type: "resize", cols: term.cols, rows: term.rows });
          sendStep();
          queued.splice(0).forEach((data) => send({ type: "input", data }));
          term?.focus();
        } else if (m.type === "resumed") {
          const message = `Resumed your lab from ${clockTime(m.suspendedAt)}: its files, images, containers and volumes are as you left them (containers that were running are stopped: \`docker start <name>\`).`;
          term?.write(`\r\n\x1b[33m[Dockyard] ${message}\x1b[0m\r\n`);
          setNotice(message);
        } else if (m.type === "limit" || m.type === "notice") {
          term?.write(`\r\n\x1b[33m[Dockyard] ${m.message}\x1b[0m\r\n`);
          setNotice(m.message);
        } else if (m.type === "watchers") {
          setWatchers(m.count);
        } else if (m.type === "exit") {
          term?.write("\r\n\x1b[33m[The shell ended. Press Enter to start a new one.]\x1b[0m\r\n");
        } else if (m.type === "error") {
          // Before "ready" an error is the lab-runner refusing this terminal, told when the socket closes; after
          // it, one message was refused and the terminal goes on.
          if (ready) setNotice(m.message);
          else refused = m;
        }
      };
      socket.onclose = (event) => {
        ready = false;
        setWatchers(0);
        if (disposed || ws !== socket) return;
        const refusal = closedBy(refused, event.code);
        if (refusal)
          return refusal.retry ? retryOrFail(refusal.message, attempt >= 2) : setStatus({ kind: "failed", message: refusal.message, code: refusal.code });
        if (event.code === 1009) setNotice("A message to the terminal was too large and was refused.");
        retryOrFail("Connection lost.", false);
      };
    }

    function retryOrFail(message: string, fatal: boolean) {
      if (disposed) return;
      if (fatal || attempt >= 8) return setStatus({ kind: "failed", message });
      attempt += 1;
      setStatus({ kind: "reconnecting", attempt });
      retryTimer = setTimeout(connect, Math.min(500 * 2 ** (attempt - 1), 5000));
    }

    // After a failed setup: a new boot, which runs only the setup blocks that have not passed.
    retry.current = () => {
      attempt = 0;
      setReachedStages([]);
      setStatus({ kind: "connecting" });
      void connect();
    };

    (async () => {
      const [{ Terminal }, { FitAddon }] = await Promise.all([import("@xterm/xterm"), import("@xterm/addon-fit")]);
      if (disposed || !host.current) return;
      term = new Terminal({ cursorBlink: true, fontSize: 14, scrollback: 5000, theme: { background: "#0f172a" } });
      const fit = new FitAddon();
      term.loadAddon(fit);
      term.open(host.current);
      fit.fit();
      term.onData((data) => {
        sendInput(data);
        if (data.includes("\r")) emit(COMMAND);
      });
      term.onResize(({ cols, rows }) => ready && send({ type: "resize", cols, rows }));
      const observer = new ResizeObserver(() => host.current?.offsetWidth && fit.fit()); // not while its tab is hidden
      observer.observe(host.current);
      cleanups.push(() => observer.disconnect());
      cleanups.push(
        inbox.connect((run) => {
          const [first, ...later] = typedInput(run);
          sendInput(first!);
          // Ctrl-C first: what it stops gives the shell its prompt back before the command arrives.
          later.forEach((input) => setTimeout(() => sendInput(input), INTERRUPT_PAUSE_MS));
          emit(COMMAND);
          setTimeout(() => term?.focus()); // once its tab is shown
        }),
      );
      connect();
    })();

    return () => {
      disposed = true;
      clearTimeout(retryTimer);
      cleanups.forEach((c) => c());
      ws?.close();
      term?.dispose();
    };
  }, [lesson, node, inbox]);

  return (
    <div className="flex h-full min-h-0 flex-col">
      {status.kind !== "ready" && status.kind !== "reconnecting" && (
        <div className="border-b border-slate-800 px-4 py-3 text-sm text-slate-200" data-testid="boot-stages" aria-live="polite">
          {status.kind === "queued" && (
            <p className="mb-2" data-testid="boot-queue" data-position={status.position}>
              <span className="font-medium text-amber-200" aria-atomic="true">
                You are {placeInLine(status)}
              </span>
              <span className="block text-xs text-slate-400">
                Labs start a few at a time so that each starts quickly. Your place updates as the line moves; the time is an estimate from recent starts.
              </span>
            </p>
          )}
          {status.kind === "failed" && status.code === "setup_failed" ? (
            <SetupFailure message={status.message} onRetry={() => retry.current?.()} dark focus />
          ) : status.kind === "failed" ? (
            <p role="alert" className="text-rose-300">
              {status.message}{" "}
              <button className="ml-2 underline" onClick={() => location.reload()}>
                Try again
              </button>
            </p>
          ) : (
            <ol className="space-y-1">
              {shownStages(reachedStages)
                .filter((s) => s !== "ready")
                .map((stage) => {
                  const done = reachedStages.includes(stage) && !(status.kind === "booting" && status.stage === stage);
                  const active = status.kind === "booting" && status.stage === stage;
                  return (
                    <li
                      key={stage}
                      data-stage={stage}
                      data-state={done ? "done" : active ? "active" : "pending"}
                      className={done ? "text-emerald-300" : active ? "text-white" : "text-slate-500"}
                    >
                      {done ? "✓" : active ? "›" : "·"} {BOOT_STAGE_LABELS[stage]}
                      {active && status.detail ? <span className="text-slate-400"> ({status.detail})</span> : null}
                    </li>
                  );
                })}
            </ol>
          )}
        </div>
      )}
      {notice && (
        <div className="flex justify-between bg-amber-100 px-3 py-1 text-xs text-amber-900" role="status" data-testid="terminal-notice">
          <span>{notice}</span>
          <button onClick={() => setNotice(undefined)} aria-label="Dismiss">
            ✕
          </button>
        </div>
      )}
      {watchers > 0 && (
        <div className="bg-rose-950 px-3 py-1 text-xs text-rose-200" data-testid="live-view-badge" title="Someone is watching this terminal, read-only">
          ● Live view open
        </div>
      )}
      <div ref={host} data-testid="terminal" data-node={node} className="min-h-0 flex-1 p-2" />
    </div>
  );
}
