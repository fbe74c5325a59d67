"use client";

import { useState } from "react";
import { usePolled } from "@/app/_components/usePolled";
import type { HostLab, HostView as Host } from "@/app/_lib/host";

// The host, live: polls the host's status every few seconds. Suspending or stopping a lab asks for confirmation
// in its row first (the buttons are keyboard-reachable; Escape cancels). Times are in the viewer's own clock.

const POLL_MS = 3000;
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

const gib = (bytes: number) => `${(bytes / GiB).toFixed(1)} GiB`;
const mib = (bytes: number) => `${Math.round(bytes / MiB)} MiB`;
const clock = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
const when = (iso: string) => {
  const at = new Date(iso);
  return at.toDateString() === new Date().toDateString() ? clock(iso) : at.toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
};

type Action = "suspend" | "stop";

export function HostView() {
  const { data: host, problem, again } = usePolled<Host>("/api/admin/host", "The host's status", POLL_MS);
  const [said, setSaid] = useState<string>();

  async function act(lab: HostLab, action: Action) {
    const url = `/api/admin/host/labs/${lab.id}${action === "suspend" ? "/suspend" : ""}`;
    const res = await fetch(url, { method: action === "suspend" ? "POST" : "DELETE" });
    const body = await res.json().catch(() => ({}));
    const who = `${lab.email ?? "an anonymous learner"}'s lab of “${lab.lessonTitle}”`;
    setSaid(res.ok ? `${action === "suspend" ? "Suspended" : "Stopped and removed"} ${who}.` : (body.message ?? `That did not work (${res.status}).`));
    again(); // read the host again now
  }

  if (!host) return <p className="mt-6 text-slate-600">{problem ?? "Reading the host…"}</p>;
  const queued = host.labs.filter((l) => l.state === "queued");
  const { counts, limits } = host;
  return (
    <>
      <p className="mt-1 text-sm text-slate-600">
        Updated <time dateTime={host.at}>{clock(host.at)}</time>
        {problem && (
          <span role="alert" className="ml-2 text-amber-800">
            {problem}
          </span>
        )}
      </p>
      <p role="status" className="mt-1 min-h-5 text-sm text-slate-800" data-testid="host-said">
        {said}
      </p>
      <div className="mt-2 grid grid-cols-2 gap-3 lg:grid-cols-5" data-testid="host-gauges">
        <Gauge label="Engine" testId="gauge-engine">
          {host.engine.answers ? (
            <span className="font-semibold text-emerald-800">✓ answering</span>
          ) : (
            <span className="font-semibold text-rose-800">✗ not answering: run scripts/engine.sh start</span>
          )}
        </Gauge>
        <Gauge label="Labs" testId="gauge-labs" used={counts.running + counts.booting + counts.queued} limit={limits.maxLabs ?? undefined}>
          {counts.running} running, {counts.booting} booting, {counts.queued} queued{limits.maxLabs !== null && ` of ${limits.maxLabs}`}
          <span className="block text-xs text-slate-600">
            {counts.suspended} suspended · {counts.pooled} pooled · {counts.stopped} stopped · boots at once: {limits.bootConcurrency ?? "no limit"}
          </span>
        </Gauge>
        <Gauge label="Memory" testId="gauge-memory" used={host.memory.totalBytes - host.memory.availableBytes} limit={host.memory.totalBytes}>
          {gib(host.memory.totalBytes - host.memory.availableBytes)} of {gib(host.memory.totalBytes)} in use
          <span className="block text-xs text-slate-600">
            labs: {gib(host.memory.labsBytes)} · each node up to {mib(limits.nodeMemoryBytes)}
          </span>
        </Gauge>
        <Gauge label="CPU" testId="gauge-cpu" used={host.cpu.busyPercent} limit={100}>
          {host.cpu.busyPercent}% busy of {host.cpu.cores} cores
          <span className="block text-xs text-slate-600">load {host.cpu.load1.toFixed(2)}</span>
        </Gauge>
        <Gauge label="Disk" testId="gauge-disk" used={host.disk?.usedBytes} limit={host.disk?.limitBytes} mark={limits.diskHighWaterPercent ?? undefined}>
          {host.disk ? `${gib(host.disk.usedBytes)} of ${gib(host.disk.limitBytes)} used` : "unknown"}
          {limits.diskHighWaterPercent !== null && (
            <span className="block text-xs text-slate-600">suspended labs are removed above {limits.diskHighWaterPercent}%</span>
          )}
        </Gauge>
      </div>

      <section aria-labelledby="queue-title" className="mt-6">
        <h2 id="queue-title" className="text-lg font-semibold">
          Waiting to boot
        </h2>
        {queued.length === 0 ? (
          <p className="mt-1 text-sm text-slate-600" data-testid="queue-empty">
            Nobody is waiting: every lab asked for has started.
          </p>
        ) : (
          <ol className="mt-1 space-y-0.5 text-sm" data-testid="host-queue">
            {queued.map((lab) => (
              <li key={lab.id} data-testid="queue-entry">
                <span className="inline-block w-10 font-semibold tabular-nums">#{lab.place?.position}</span>
                <Learner lab={lab} /> · {lab.lessonTitle} · waiting since {lab.since && <time dateTime={lab.since}>{when(lab.since)}</time>} · about{" "}
                {lab.place?.estimateSeconds} s
              </li>
            ))}
          </ol>
        )}
      </section>

      <section aria-labelledby="labs-title" className="mt-6">
        <h2 id="labs-title" className="text-lg font-semibold">
          Labs
        </h2>
        {host.labs.length === 0 ? (
          <p className="mt-1 text-sm text-slate-600" data-testid="labs-empty">
            No labs on this host.
          </p>
        ) : (
          <table className="mt-1 w-full table-fixed border-collapse text-left text-sm" data-testid="host-labs">
            <colgroup>
              <col className="w-64" />
              <col />
              <col className="w-28" />
              <col className="w-44" />
              <col className="w-24" />
              <col className="w-24" />
              <col className="w-96" />
            </colgroup>
            <thead className="text-slate-700">
              <tr className="border-b border-slate-300">
                <th scope="col" className="py-1 pr-2">
                  Learner
                </th>
                {["Lesson", "State", "Since", "Memory", "Terminal"].map((label) => (
                  <th key={label} scope="col" className="px-2 py-1">
                    {label}
                  </th>
                ))}
                <th scope="col" className="px-2 py-1">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {host.labs.map((lab) => (
                <LabRow key={lab.id} lab={lab} act={act} />
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}

function Gauge({
  label,
  testId,
  used,
  limit,
  mark,
  children,
}: {
  label: string;
  testId: string;
  used?: number;
  limit?: number;
  mark?: number;
  children: React.ReactNode;
}) {
  const share = used !== undefined && limit ? Math.min(100, (used / limit) * 100) : undefined;
  const tone = share === undefined ? "" : share >= (mark ?? 90) ? "bg-rose-600" : share >= 70 ? "bg-amber-500" : "bg-emerald-600";
  return (
    <div className="rounded border border-slate-200 bg-white p-3" data-testid={testId}>
      <div className="text-xs font-semibold tracking-wide text-slate-500 uppercase">{label}</div>
      <div className="mt-1 text-sm">{children}</div>
      {share !== undefined && (
        <div
          className="mt-2 h-2 rounded bg-slate-200"
          role="meter"
          aria-label={`${label} in use`}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={Math.round(share)}
        >
          <div className={`h-2 rounded ${tone}`} style={{ width: `${share}%` }} />
        </div>
      )}
    </div>
  );
}

const Learner = ({ lab }: { lab: HostLab }) =>
  lab.email ? <span>{lab.email}</span> : <span className="text-slate-600">anonymous {lab.learnerId.slice(0, 8)}</span>;

const STATE_TONE: Record<HostLab["state"], string> = {
  queued: "bg-amber-100 text-amber-900",
  booting: "bg-sky-100 text-sky-900",
  running: "bg-emerald-100 text-emerald-900",
  suspended: "bg-slate-200 text-slate-700",
  stopped: "bg-rose-100 text-rose-900",
};

function LabRow({ lab, act }: { lab: HostLab; act: (lab: HostLab, action: Action) => Promise<void> }) {
  const [asking, setAsking] = useState<Action>();
  const [busy, setBusy] = useState(false);
  const button = "rounded border px-2 py-0.5 text-sm focus:outline-none focus:ring-2 focus:ring-sky-400 disabled:opacity-50";
  const confirm = async () => {
    setBusy(true);
    await act(lab, asking!);
    setBusy(false);
    setAsking(undefined);
  };
  return (
    <tr className="border-b border-slate-200" data-testid="host-lab" data-state={lab.state} data-sandbox={lab.id}>
      <th scope="row" className="truncate py-1 pr-2 font-normal">
        <Learner lab={lab} />
      </th>
      <td className="truncate px-2 py-1" title={lab.lessonTitle}>
        {lab.lessonTitle}
      </td>
      <td className="px-2 py-1">
        <span className={`rounded px-1.5 text-xs ${STATE_TONE[lab.state]}`} data-testid="lab-state">
          {lab.state}
          {lab.place && ` #${lab.place.position}`}
        </span>
      </td>
      <td className="px-2 py-1 tabular-nums">{lab.since && <time dateTime={lab.since}>{when(lab.since)}</time>}</td>
      <td className="px-2 py-1 tabular-nums">{lab.memoryBytes !== undefined ? mib(lab.memoryBytes) : "—"}</td>
      <td className="px-2 py-1">{lab.connected ? "attached" : "—"}</td>
      <td className="px-2 py-1" onKeyDown={(e) => e.key === "Escape" && setAsking(undefined)}>
        {asking ? (
          <span className="flex flex-wrap items-center gap-2">
            <span>{asking === "suspend" ? "Suspend this lab (everything kept)?" : "Stop and remove this lab for good?"}</span>
            <button type="button" autoFocus disabled={busy} onClick={confirm} className={`${button} border-rose-700 bg-rose-700 text-white hover:bg-rose-800`}>
              Yes, {asking}
            </button>
            <button type="button" disabled={busy} onClick={() => setAsking(undefined)} className={`${button} border-slate-300 bg-white hover:bg-slate-100`}>
              Cancel
            </button>
          </span>
        ) : (
          <span className="flex gap-2">
            {lab.state === "running" && (
              <button type="button" onClick={() => setAsking("suspend")} className={`${button} border-slate-300 bg-white hover:bg-slate-100`}>
                Suspend<span className="sr-only"> the lab of {lab.email ?? "an anonymous learner"}</span>
              </button>
            )}
            <button type="button" onClick={() => setAsking("stop")} className={`${button} border-slate-300 bg-white hover:bg-slate-100`}>
              Stop<span className="sr-only"> the lab of {lab.email ?? "an anonymous learner"}</span>
            </button>
          </span>
        )}
      </td>
    </tr>
  );
}
