import fs from "node:fs";
import path from "node:path";
import { contentDir } from "@dockyard/contract/server";
import { apiError, apiRoute } from "@/app/_lib/api";
import { lessonBySlug } from "@/app/_lib/lessons";

// Development only: a server-sent event each time a file in the lesson's folder changes, so the page an
// author is looking at re-renders while they edit (editors often save by rename, hence the folder watch).

export const dynamic = "force-dynamic";

export const GET = apiRoute(async (req: Request, { params }: { params: Promise<{ slug: string }> }) => {
  if (process.env.NODE_ENV !== "development") return apiError("not_found", "Lesson hot reload runs under `next dev` only.");
  const { slug } = await params;
  if (!lessonBySlug(slug)) return apiError("unknown_lesson", `There is no lesson “${slug}”.`);
  const folder = path.join(contentDir(), "lessons", slug);
  const encoder = new TextEncoder();
  let watcher: fs.FSWatcher | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stop = () => {
    clearTimeout(timer);
    watcher?.close();
  };
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(": watching\n\n"));
      watcher = fs.watch(folder, () => {
        clearTimeout(timer);
        timer = setTimeout(() => controller.enqueue(encoder.encode("data: changed\n\n")), 100);
      });
      req.signal.addEventListener("abort", () => {
        stop();
        controller.close();
      });
    },
    cancel: stop,
  });
  return new Response(stream, { headers: { "content-type": "text/event-stream", "cache-control": "no-cache, no-transform" } });
});
