import { basicSetup, EditorView } from "codemirror";
import { EditorState } from "@codemirror/state";
import { StreamLanguage, type StreamParser } from "@codemirror/language";
import { dockerFile } from "@codemirror/legacy-modes/mode/dockerfile";
import { javascript, json } from "@codemirror/legacy-modes/mode/javascript";
import { nginx } from "@codemirror/legacy-modes/mode/nginx";
import { python } from "@codemirror/legacy-modes/mode/python";
import { shell } from "@codemirror/legacy-modes/mode/shell";
import { yaml } from "@codemirror/legacy-modes/mode/yaml";

// The file editor's CodeMirror, in a module of its own so it loads only when the Editor tab first opens.

export { EditorView };

const MODES: [RegExp, StreamParser<unknown>][] = [
  [/(^|\/)(Dockerfile|Containerfile)[^/]*$|\.dockerfile$/i, dockerFile],
  [/\.ya?ml$/i, yaml],
  [/\.(sh|bash)$|(^|\/)\.(bashrc|profile)$/i, shell],
  [/\.json$/i, json],
  [/\.[cm]?js$/i, javascript],
  [/\.py$/i, python],
  [/(^|\/)nginx[^/]*\.conf$|\/nginx\/.*\.conf$/i, nginx],
];

/** A fresh editor state (own undo history, highlighting by file name) for one file. */
export function fileState(path: string, text: string, onEdit: () => void): EditorState {
  const mode = MODES.find(([pattern]) => pattern.test(path))?.[1];
  return EditorState.create({
    doc: text,
    extensions: [
      basicSetup,
      mode ? StreamLanguage.define(mode) : [],
      EditorView.updateListener.of((update) => update.docChanged && onEdit()),
      EditorView.contentAttributes.of({ "aria-label": `Contents of ${path}` }),
      EditorView.theme({ "&": { height: "100%", fontSize: "14px" }, ".cm-scroller": { fontFamily: "ui-monospace, SFMono-Regular, Menlo, monospace" } }),
    ],
  });
}
