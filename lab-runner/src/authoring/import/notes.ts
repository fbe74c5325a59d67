// What the importer tells the author about one scenario, in the import report: each note says where (the
// scenario's file or page), what happened, and whether the lesson needs the author's hand there.

export interface Note {
  /** "mapped": done the Dockyard way; "differs": works, but not as on Killercoda; "todo": not mapped, the author decides. */
  kind: "mapped" | "differs" | "todo";
  where: string;
  message: string;
}

export class Notes {
  readonly list: Note[] = [];
  add(kind: Note["kind"], where: string, message: string): void {
    if (!this.list.some((n) => n.kind === kind && n.where === where && n.message === message)) this.list.push({ kind, where, message });
  }
}
