import { fence } from "./markdown";
import { localAddresses } from "./actions";
import type { Script } from "./scenario";
import type { Notes } from "./notes";

// Killercoda runs a page's background.sh hidden and its foreground.sh in the visible terminal, both when the
// page opens; Dockyard runs setup blocks (```sh setup) before the learner sees the lab (the intro's) or
// reaches the step, hidden, one after the other, each to its end. So the background script comes first and the
// foreground one after it: a foreground loop waiting for a file the background made finds it at once.

/** `while [ ! -f /tmp/x ]; do sleep 1; done`: the files a script waits for. */
export function filesWaitedFor(script: string): string[] {
  return [...script.matchAll(/\b(?:while|until)\s+(?:\[\[?|test)\s+(!\s+)?-[efs]\s+("?)([^\s"\]]+)\2/g)].map((m) => m[3]!);
}

/** The setup blocks for a page's scripts, in the order they must run. */
export function setupBlocks(page: { background?: Script; foreground?: Script }, where: string, notes: Notes): string[] {
  const blocks: string[] = [];
  if (page.background) {
    blocks.push(fence("sh setup", localAddresses(page.background.text)));
    notes.add("mapped", page.background.file, `background script → setup block of ${where} (runs hidden, to its end, before the learner starts)`);
    if (/(^|[^&])&\s*$|\bnohup\b/m.test(page.background.text))
      notes.add("differs", page.background.file, "it starts something in the background (&): a setup block must end, so check that it still does");
  }
  if (page.foreground) {
    blocks.push(fence("sh setup", localAddresses(page.foreground.text)));
    const waits = filesWaitedFor(page.foreground.text);
    notes.add(
      "differs",
      page.foreground.file,
      `foreground script → setup block of ${where}, after the background one; it is not shown in the terminal, so what it prints is not seen${
        waits.length ? `; its loop waiting for ${waits.join(", ")} ends at once, since the background setup ran first` : ""
      }`,
    );
  }
  return blocks;
}
