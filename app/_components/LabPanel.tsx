"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import { BOOT_STAGE_LABELS, nodeNames } from "@dockyard/contract";
import { on, RUN } from "./events";
import { CommandInbox, type RunRequest } from "./CommandInbox";
import { FileEditor } from "./FileEditor";
import { PreviewPorts } from "./PreviewPorts";
import { RegistryLogin } from "./RegistryLogin";
import { panelId, TabList, tabId } from "./Tabs";
import { placeInLine, TerminalPanel, type TerminalStatus } from "./TerminalPanel";

const EDITOR = "editor";
const TABS = "lab";

/**
 * The learner's lab beside the lesson: a terminal per node (each opened the first time its tab is, then kept
 * running), the file editor, and links to the ports the sandbox publishes. `fill`: as tall as its container at any
 * width (the embedded lesson's), not 70% of the window on narrow ones.
 */
export function LabPanel({ lesson, nodes, registry, fill = false }: { lesson: string; nodes: number; registry: boolean; fill?: boolean }) {
  const names = nodeNames(nodes);
  const multiNode = names.length > 1;
  const [selected, setSelected] = useState(names[0]!);
  const [opened, setOpened] = useState([names[0]!]);
  const [statuses, setStatuses] = useState<Record<string, TerminalStatus>>({});
  // The node whose terminal was shown last: its status stays in the header, run blocks go there.
  const [lastNode, setLastNode] = useState(names[0]!);
  // Stopping suspends the sandbox (everything kept); starting again mounts new terminals (a new generation), which
  // resume it. Resetting removes it, and the new terminals boot a fresh one.
  const [stopped, setStopped] = useState<{ error?: string }>();
  const [generation, setGeneration] = useState(0);

  // Per node, made once: the inbox its terminal takes run blocks from, and how it reports its status.
  const wiring = useRef(new Map<string, { inbox: CommandInbox; report: (status: TerminalStatus) => void }>());
  const wiringOf = (node: string) => {
    let found = wiring.current.get(node);
    if (!found) wiring.current.set(node, (found = { inbox: new CommandInbox(), report: (status) => setStatuses((s) => ({ ...s, [node]: status })) }));
    return found;
  };

  const select = useCallback((tab: string) => {
    setSelected(tab);
    if (tab === EDITOR) return;
    setLastNode(tab);
    setOpened((o) => (o.includes(tab) ? o : [...o, tab]));
  }, []);

  useEffect(
    () =>
      on<RunRequest & { node?: string }>(RUN, ({ command, interrupt, node }) => {
        const target = node && nodeNames(nodes).includes(node) ? node : lastNode;
        select(target);
        wiringOf(target).inbox.send({ command, interrupt });
      }),
    [nodes, lastNode, select],
  );

  const stop = async () => {
    const res = await fetch(`/api/labs/${lesson}/suspend`, { method: "POST" });
    const body = (await res.json().catch(() => ({}))) as { message?: string };
    setStatuses({});
    setStopped(res.ok ? {} : { error: body.message ?? `The lab could not be stopped (${res.status}).` });
  };
  const startAgain = () => {
    setStopped(undefined);
    setGeneration((g) => g + 1);
  };
  const reset = async () => {
    const sure = window.confirm(
      "Reset your lab? Everything in it (files, images, containers, volumes) is removed for good and a fresh lab starts. Your progress and your terminal's recording are kept.",
    );
    if (!sure) return;
    const res = await fetch(`/api/labs/${lesson}`, { method: "DELETE" });
    const body = (await res.json().catch(() => ({}))) as { message?: string };
    setStatuses({});
    if (res.ok) startAgain();
    else setStopped({ error: body.message ?? `The lab could not be reset (${res.status}).` });
  };

  const status = statuses[lastNode] ?? { kind: "connecting" };
  const anyReady = Object.values(statuses).some((s) => s.kind === "ready");
  const tabs = [...names.map((n) => ({ id: n, label: multiNode ? n : "Terminal" })), { id: EDITOR, label: "Editor" }];
  return (
    <div className={`flex ${fill ? "h-full" : "h-[70vh] lg:h-full"} flex-col overflow-hidden rounded-lg border border-slate-800 bg-slate-900`}>
      <div className="flex items-center justify-between border-b border-slate-800 px-3 py-2 text-xs text-slate-300">
        <TabList group={TABS} label="Your lab" tabs={tabs} selected={selected} onSelect={select} />
        <span className="flex items-center gap-3">
          <span data-testid="lab-status" data-status={stopped ? "stopped" : status.kind} data-node={multiNode ? lastNode : undefined}>
            {stopped && "Stopped"}
            {!stopped && multiNode && `${lastNode}: `}
            {!stopped && status.kind === "ready" && "● Connected"}
            {!stopped && status.kind === "connecting" && "Connecting…"}
            {!stopped && status.kind === "queued" && `Queued: ${placeInLine(status)}`}
            {!stopped && status.kind === "booting" && `Starting: ${status.stage ? BOOT_STAGE_LABELS[status.stage] : "waiting for the sandbox"}…`}
            {!stopped && status.kind === "reconnecting" && `Reconnecting (attempt ${status.attempt})…`}
            {!stopped && status.kind === "failed" && (status.code === "setup_failed" ? "Preparing the lab failed" : "Disconnected")}
          </span>
          {!stopped && (
            <button
              type="button"
              onClick={() => void stop()}
              title="Stops your lab and keeps everything in it; it resumes where you left it"
              className="rounded border border-slate-600 px-2 py-0.5 hover:bg-slate-800 focus:outline-none focus:ring-2 focus:ring-sky-400"
            >
              Stop lab
            </button>
          )}
          <button
            type="button"
            onClick={() => void reset()}
            title="Removes everything in your lab and starts a fresh one"
            className="rounded border border-rose-800 px-2 py-0.5 text-rose-200 hover:bg-rose-950 focus:outline-none focus:ring-2 focus:ring-sky-400"
          >
            Reset lab
          </button>
        </span>
      </div>
      {stopped && (
        <div className="flex flex-1 flex-col items-start gap-3 p-4 text-sm text-slate-200" data-testid="lab-stopped">
          <p>
            {stopped.error ??
              "Your lab is stopped: everything in it (files, images, containers, volumes) is kept, and it resumes where you left it when you start it again. Your progress and your terminal's recording are kept."}
          </p>
          <button
            type="button"
            onClick={startAgain}
            className="rounded bg-sky-600 px-3 py-1.5 font-medium text-white hover:bg-sky-700 focus:outline-none focus:ring-2 focus:ring-sky-400"
          >
            Start my lab again
          </button>
        </div>
      )}
      {!stopped &&
        names.map((node) => (
          <div
            key={`${node}-${generation}`}
            role="tabpanel"
            id={panelId(TABS, node)}
            aria-labelledby={tabId(TABS, node)}
            hidden={selected !== node}
            className="min-h-0 flex-1"
          >
            {opened.includes(node) && (
              <TerminalPanel lesson={lesson} node={multiNode ? node : undefined} inbox={wiringOf(node).inbox} onStatus={wiringOf(node).report} />
            )}
          </div>
        ))}
      <div role="tabpanel" id={panelId(TABS, EDITOR)} aria-labelledby={tabId(TABS, EDITOR)} hidden={selected !== EDITOR} className="min-h-0 flex-1">
        <FileEditor lesson={lesson} nodes={names} shown={selected === EDITOR} />
      </div>
      <PreviewPorts lesson={lesson} enabled={anyReady} multiNode={multiNode} />
      {registry && <RegistryLogin lesson={lesson} enabled={anyReady} />}
    </div>
  );
}
