import { siteUrl } from "@dockyard/contract/server";

// proxy.ts's copy of who may frame an embedded lesson. The proxy reads no database (it may run apart from the pages,
// Next's docs say, and shares no module state with them), so it asks the site itself
// (app/api/embed/frame-ancestors) and keeps the answer a few seconds: an admin's change reaches every site process
// within FRESH_MS. When the site cannot answer, no one may frame the page until it can.

const FRESH_MS = 5_000;
const AFTER_FAILURE_MS = 1_000;

let known: { origins: string[]; until: number } | undefined;
let asking: Promise<string[]> | undefined;

async function ask(): Promise<string[]> {
  try {
    const res = await fetch(`${siteUrl()}/api/embed/frame-ancestors`, { cache: "no-store", signal: AbortSignal.timeout(5_000) });
    if (!res.ok) throw new Error(`answered ${res.status}`);
    const { origins } = (await res.json()) as { origins: string[] };
    known = { origins, until: Date.now() + FRESH_MS };
  } catch (e) {
    console.error(`the embedded pages' allowed origins could not be read (${(e as Error).message}); no site may frame them meanwhile`);
    known = { origins: [], until: Date.now() + AFTER_FAILURE_MS };
  }
  return known.origins;
}

/** The origins that may frame an embedded lesson (at most FRESH_MS old). */
export async function embedFrameAncestors(): Promise<string[]> {
  if (known && known.until > Date.now()) return known.origins;
  asking ??= ask().finally(() => (asking = undefined));
  return asking;
}
