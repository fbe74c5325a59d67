"use client";

import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import type { DirectoryEntry } from "@dockyard/contract";
import type { EditorView } from "./codeEditor";

const HOME = "/root"; // the learner's working directory in every node

type Message = { kind: "info" | "error"; text: string };
type Listing = { dir: string; entries: DirectoryEntry[] };

const parentOf = (dir: string) => dir.replace(/\/[^/]+$/, "") || "/";
const join = (dir: string, name: string) => (dir === "/" ? `/${name}` : `${dir}/${name}`);
const withoutTrailingSlash = (path: string) => path.replace(/(.)\/+$/, "$1");

/**
 * Edits files inside the learner's sandbox: open one by path (or from the list of a directory), change it,
 * save it (button or Ctrl/⌘+S). A path that does not exist yet is created on save.
 */
export function FileEditor({ lesson, nodes, shown }: { lesson: string; nodes: string[]; shown: boolean }) {
  const [node, setNode] = useState(nodes[0]!);
  const [pathInput, setPathInput] = useState(`${HOME}/`);
  const [listing, setListing] = useState<Listing>({ dir: HOME, entries: [] });
  const [file, setFile] = useState<string>();
  const [dirty, setDirty] = useState(false);
  const [saving, setSaving] = useState(false);
  const [message, setMessage] = useState<Message>();
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView>(null);
  const edits = useRef(0); // edits since the file was opened; a save clears dirty only if none came during it

  const api = (route: "files" | "files/list", path: string, forNode = node) => `/api/labs/${lesson}/${route}?${new URLSearchParams({ path, node: forNode })}`;

  async function request<T>(url: string, init?: RequestInit): Promise<{ ok: true; body: T } | { ok: false; error: string; message: string }> {
    try {
      const res = await fetch(url, { cache: "no-store", ...init });
      const body = await res.json();
      return res.ok ? { ok: true, body } : { ok: false, error: body.error ?? "error", message: body.message ?? `The request failed (${res.status}).` };
    } catch {
      return { ok: false, error: "unreachable", message: "Dockyard did not answer; check your connection and try again." };
    }
  }

  async function list(dir: string, forNode = node) {
    const result = await request<Listing & { path: string }>(api("files/list", dir, forNode));
    if (result.ok) setListing({ dir: result.body.path, entries: result.body.entries });
    else setMessage({ kind: "error", text: result.message });
  }

  const discardOk = () => !dirty || window.confirm(`Discard your unsaved changes to ${file}?`);

  async function load(path: string, text: string, note: Message) {
    const { EditorView, fileState } = await import("./codeEditor");
    const state = fileState(path, text, () => {
      edits.current += 1;
      setDirty(true);
    });
    if (view.current) view.current.setState(state);
    else view.current = new EditorView({ state, parent: host.current! });
    edits.current = 0;
    setFile(path);
    setPathInput(path);
    setDirty(false);
    setMessage(note);
  }

  async function open(raw: string) {
    const path = withoutTrailingSlash(raw.trim());
    if (!path.startsWith("/")) return setMessage({ kind: "error", text: `Give an absolute path, e.g. ${HOME}/${raw.trim() || "Dockerfile"}.` });
    if (raw.trim().endsWith("/")) return list(path);
    if (path !== file && !discardOk()) return;
    const result = await request<{ content: string }>(api("files", path));
    if (result.ok) return load(path, result.body.content, { kind: "info", text: `Opened ${path}.` });
    if (result.error === "not_found") return load(path, "", { kind: "info", text: `${path} does not exist yet: saving creates it.` });
    if (result.error === "is_directory") return list(path);
    setMessage({ kind: "error", text: result.message });
  }

  async function save() {
    if (!file || !view.current || saving) return;
    setSaving(true);
    const editsBefore = edits.current;
    const result = await request<{ size: number }>(api("files", file), { method: "PUT", body: view.current.state.doc.toString() });
    setSaving(false);
    if (!result.ok) return setMessage({ kind: "error", text: `Not saved: ${result.message}` });
    if (edits.current === editsBefore) setDirty(false);
    setMessage({ kind: "info", text: `Saved ${file} (${result.body.size} bytes).` });
    if (parentOf(file) === listing.dir) list(listing.dir);
  }

  function changeNode(next: string) {
    if (!discardOk()) return;
    setNode(next);
    setFile(undefined);
    setDirty(false);
    view.current?.destroy();
    view.current = null;
    setMessage(undefined);
    list(listing.dir, next);
  }

  // Each time the tab is shown the list is read again: the terminal may have changed the files.
  useEffect(() => {
    if (shown) list(listing.dir);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- on showing the tab only, not on each listing
  }, [shown]);

  useEffect(() => () => view.current?.destroy(), []);

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key.toLowerCase() === "s" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      save();
    }
  };

  return (
    <div className="flex h-full min-h-0 flex-col bg-white text-slate-900" data-testid="file-editor" onKeyDown={onKeyDown}>
      <form
        className="flex flex-wrap items-center gap-2 border-b border-slate-200 bg-slate-50 px-3 py-2 text-sm"
        onSubmit={(e) => {
          e.preventDefault();
          open(pathInput);
        }}
      >
        {nodes.length > 1 && (
          <label className="flex items-center gap-1">
            Node
            <select value={node} onChange={(e) => changeNode(e.target.value)} className="rounded border border-slate-300 px-1 py-0.5">
              {nodes.map((n) => (
                <option key={n}>{n}</option>
              ))}
            </select>
          </label>
        )}
        <label className="flex min-w-0 flex-1 items-center gap-2">
          File
          <input
            value={pathInput}
            onChange={(e) => setPathInput(e.target.value)}
            spellCheck={false}
            className="min-w-0 flex-1 rounded border border-slate-300 px-2 py-0.5 font-mono focus:outline-none focus:ring-2 focus:ring-sky-400"
          />
        </label>
        <button
          type="submit"
          className="rounded border border-slate-300 bg-white px-3 py-0.5 hover:bg-slate-100 focus:outline-none focus-visible:ring-2 focus-visible:ring-sky-400"
        >
          Open
        </button>
        <button
          type="button"
          onClick={save}
          disabled={!file || saving}
          className="rounded bg-sky-600 px-3 py-0.5 font-medium text-white hover:bg-sky-700 focus:outline-none focus-visible:ring-2 focus-visible:ring-sky-400 disabled:opacity-50"
        >
          {saving ? "Saving…" : "Save"}
        </button>
      </form>
      <div className="flex min-h-0 flex-1">
        <nav aria-label={`Files in ${listing.dir}`} className="w-44 shrink-0 overflow-auto border-r border-slate-200 bg-slate-50 py-2 text-sm">
          <p className="truncate px-3 pb-1 font-mono text-xs text-slate-500" title={listing.dir}>
            {listing.dir}
          </p>
          <ul>
            {listing.dir !== "/" && (
              <li>
                <FileButton onClick={() => list(parentOf(listing.dir))} label="Parent directory">
                  ../
                </FileButton>
              </li>
            )}
            {listing.entries.map((entry) => (
              <li key={entry.name}>
                {entry.type === "directory" ? (
                  <FileButton onClick={() => list(join(listing.dir, entry.name))}>{`${entry.name}/`}</FileButton>
                ) : (
                  <FileButton onClick={() => open(join(listing.dir, entry.name))} disabled={entry.type !== "file"}>
                    {entry.name}
                  </FileButton>
                )}
              </li>
            ))}
          </ul>
        </nav>
        <div className="flex min-w-0 flex-1 flex-col">
          <div className="flex items-center justify-between gap-2 border-b border-slate-200 px-3 py-1 text-xs">
            <span className="truncate font-mono" data-testid="editor-file">
              {file ?? "No file open"}
              {dirty && <span className="ml-2 text-amber-700">● unsaved</span>}
            </span>
            <span role="status" data-testid="editor-message" className={message?.kind === "error" ? "text-rose-700" : "text-slate-500"}>
              {message?.text}
            </span>
          </div>
          {!file && <p className="p-4 text-sm text-slate-500">Type a file&apos;s path above and press Enter, or pick a file from the list.</p>}
          <div ref={host} className="min-h-0 flex-1 overflow-hidden" />
        </div>
      </div>
    </div>
  );
}

function FileButton({ onClick, disabled, label, children }: { onClick: () => void; disabled?: boolean; label?: string; children: string }) {
  return (
    <button
      type="button"
      onClick={onClick}
      disabled={disabled}
      aria-label={label}
      className="block w-full truncate px-3 py-0.5 text-left font-mono text-xs hover:bg-slate-200 focus:bg-slate-200 focus:outline-none disabled:text-slate-400"
    >
      {children}
    </button>
  );
}
