"use client";

import { useEffect, useRef, useState } from "react";
import type { Terminal } from "@xterm/xterm";
import "@xterm/xterm/css/xterm.css";
import { AckCounter, closedBy, type ServerMessage } from "@dockyard/contract";

type Status = { kind: "connecting" } | { kind: "live" } | { kind: "ended"; message: string };

/**
 * A read-only live view of a lab's terminal: xterm.js on the lab-runner's watch socket, whose address (with a
 * watch token) `accessUrl` gives on POST as { url }. It types nothing; it acknowledges what it rendered, as a
 * view that falls behind is disconnected.
 */
export function LiveView({ accessUrl }: { accessUrl: string }) {
  const host = useRef<HTMLDivElement>(null);
  const [status, setStatus] = useState<Status>({ kind: "connecting" });

  useEffect(() => {
    let disposed = false;
    let term: Terminal | undefined;
    let ws: WebSocket | undefined;

    (async () => {
      const { Terminal } = await import("@xterm/xterm");
      if (disposed || !host.current) return;
      term = new Terminal({ disableStdin: true, cursorBlink: false, fontSize: 14, scrollback: 5000, theme: { background: "#0f172a" } });
      term.open(host.current);
      const res = await fetch(accessUrl, { method: "POST" });
      const body = (await res.json()) as { url?: string; message?: string };
      if (!res.ok || !body.url) throw new Error(body.message ?? `The live view could not be opened (${res.status}).`);
      if (disposed) return;
      const socket = new WebSocket(body.url);
      socket.binaryType = "arraybuffer";
      ws = socket;
      const acks = new AckCounter((ack) => socket.send(JSON.stringify(ack)));
      let refused: { code: string; message: string } | undefined;
      socket.onmessage = (event) => {
        if (typeof event.data !== "string") {
          const bytes = new Uint8Array(event.data as ArrayBuffer);
          term?.write(bytes, () => acks.rendered(bytes.length));
          return;
        }
        const m = JSON.parse(event.data) as ServerMessage;
        if (m.type === "ready") setStatus({ kind: "live" });
        else if (m.type === "size") term?.resize(m.cols, m.rows);
        else if (m.type === "exit") term?.write("\r\n\x1b[33m[The learner's shell ended.]\x1b[0m\r\n");
        else if (m.type === "error") refused = m;
      };
      socket.onclose = (event) => {
        if (!disposed) setStatus({ kind: "ended", message: closedBy(refused, event.code)?.message ?? (event.reason || "The live view was disconnected.") });
      };
    })().catch((e: Error) => !disposed && setStatus({ kind: "ended", message: e.message }));

    return () => {
      disposed = true;
      ws?.close();
      term?.dispose();
    };
  }, [accessUrl]);

  return (
    <div className="overflow-hidden rounded-lg border border-slate-800 bg-slate-900">
      <p className="border-b border-slate-800 px-3 py-2 text-xs text-slate-300" data-testid="live-status" data-status={status.kind}>
        {status.kind === "connecting" && "Connecting…"}
        {status.kind === "live" && "● Live, read-only: typing here does nothing"}
        {status.kind === "ended" && (
          <span role="alert" className="text-amber-300">
            {status.message}
          </span>
        )}
      </p>
      <div ref={host} data-testid="live-terminal" className="p-2" />
    </div>
  );
}
