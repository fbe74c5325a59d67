import fs from "node:fs/promises";
import path from "node:path";
import { contentDir, LESSON_FILE } from "@dockyard/contract/server";
import { apiError, apiRoute, refusal } from "@/app/_lib/api";
import { lessonsDecision } from "@/app/_lib/guard";
import { lessonBySlug } from "@/app/_lib/lessons";

// Files beside a lesson (diagrams, sample files), by extension only, never the lesson source (it holds the
// quiz answers and known-wrong answers) and never anything outside the lesson's folder. Their
// Content-Security-Policy (proxy.ts) lets an SVG run no script.

const TYPES: Record<string, string> = {
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".svg": "image/svg+xml",
  ".txt": "text/plain; charset=utf-8",
  ".pdf": "application/pdf",
};

export const GET = apiRoute(async (_req: Request, { params }: { params: Promise<{ slug: string; path: string[] }> }) => {
  const { slug, path: parts } = await params;
  const decision = await lessonsDecision();
  if (!decision.allowed) return refusal(decision);
  if (!lessonBySlug(slug)) return apiError("unknown_lesson", `There is no lesson “${slug}”.`);
  const folder = path.join(contentDir(), "lessons", slug);
  const file = path.resolve(folder, ...parts);
  const type = TYPES[path.extname(file).toLowerCase()];
  if (!file.startsWith(folder + path.sep) || path.basename(file) === LESSON_FILE || !type) return apiError("no_asset", "There is no such file in this lesson.");
  try {
    const real = await fs.realpath(file);
    if (!real.startsWith((await fs.realpath(folder)) + path.sep)) return apiError("no_asset", "There is no such file in this lesson.");
    return new Response(new Uint8Array(await fs.readFile(real)), {
      headers: {
        "content-type": type,
        "cache-control": "no-cache",
      },
    });
  } catch {
    return apiError("no_asset", "There is no such file in this lesson.");
  }
});
