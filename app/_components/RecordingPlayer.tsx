"use client";

import { useEffect, useRef, useState } from "react";
import type { Player } from "asciinema-player";
import "asciinema-player/dist/bundle/asciinema-player.css";
import { markersOf, parseHeader, type AsciicastMarker } from "@dockyard/contract";

type State =
  { kind: "loading" } | { kind: "ready"; markers: AsciicastMarker[]; startedAt: number; start?: AsciicastMarker } | { kind: "failed"; message: string };

/** Pauses longer than this play as this long: a recording spans days of a learner coming and going. */
const IDLE_LIMIT_SECONDS = 2;

/** Which marker to open the recording at: the `occurrence`-th (from 1) whose label starts with `label`. */
export interface MarkerTarget {
  label: string;
  occurrence: number;
}

const findMarker = (markers: AsciicastMarker[], target: MarkerTarget) => markers.filter((m) => m.label.startsWith(target.label))[target.occurrence - 1];

/**
 * A terminal recording (asciicast v2 at `src`) in asciinema's player, with its markers as buttons that seek to
 * them; opened at the marker `startAt` names, when the recording has it.
 */
export function RecordingPlayer({ src, startAt }: { src: string; startAt?: MarkerTarget }) {
  const host = useRef<HTMLDivElement>(null);
  const player = useRef<Player | undefined>(undefined);
  const [state, setState] = useState<State>({ kind: "loading" });

  useEffect(() => {
    let disposed = false;
    setState({ kind: "loading" });
    (async () => {
      const res = await fetch(src, { cache: "no-store" });
      if (!res.ok) {
        const body = (await res.json().catch(() => ({}))) as { message?: string };
        throw new Error(body.message ?? `The recording could not be loaded (${res.status}).`);
      }
      const text = await res.text();
      const { create } = await import("asciinema-player");
      if (disposed || !host.current) return;
      player.current = create({ data: text }, host.current, { idleTimeLimit: IDLE_LIMIT_SECONDS, fit: "width", terminalFontSize: "small", preload: true });
      const startedAt = parseHeader(text.slice(0, text.indexOf("\n")))?.timestamp ?? 0;
      const markers = markersOf(text);
      const start = startAt && findMarker(markers, startAt);
      if (start) await player.current.seek({ marker: start.index });
      if (disposed) return;
      setState({ kind: "ready", markers, startedAt, start });
    })().catch((e: Error) => !disposed && setState({ kind: "failed", message: e.message }));
    return () => {
      disposed = true;
      player.current?.dispose();
      player.current = undefined;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- startAt by value: a new object of the same marker must not reload
  }, [src, startAt?.label, startAt?.occurrence]);

  return (
    <div data-testid="recording-player" data-state={state.kind}>
      {state.kind === "loading" && <p className="text-sm text-slate-500">Loading the recording…</p>}
      {state.kind === "failed" && (
        <p role="alert" className="rounded bg-amber-50 p-3 text-sm text-amber-900">
          {state.message}
        </p>
      )}
      {state.kind === "ready" && startAt && (
        <p className="mb-2 text-sm text-slate-600" data-testid="start-marker">
          {state.start
            ? `Opened at “${state.start.label}”.`
            : `This recording has no marker “${startAt.label}” number ${startAt.occurrence}: it opens at the start.`}
        </p>
      )}
      <div ref={host} />
      {state.kind === "ready" && state.markers.length > 0 && (
        <div className="mt-4">
          <h2 className="text-sm font-semibold text-slate-700">Markers</h2>
          <ul className="mt-2 flex flex-wrap gap-2">
            {state.markers.map((marker) => (
              <li key={marker.index}>
                {/* By index, not time: the player shortens long pauses, so its times are not the file's. */}
                <button
                  type="button"
                  data-testid="marker"
                  aria-current={state.start?.index === marker.index ? "true" : undefined}
                  onClick={() => void player.current?.seek({ marker: marker.index })}
                  className="rounded border border-slate-300 bg-white px-2 py-1 text-xs hover:bg-slate-100 focus:outline-none focus:ring-2 focus:ring-sky-400"
                >
                  <span className="text-slate-500">{new Date((state.startedAt + marker.time) * 1000).toLocaleTimeString()}</span> {marker.label}
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
