import { describe, test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { contentDir, loadLessons } from "@dockyard/contract/server";
import { Rehearsal, rehearsalLabs, type LessonReport } from "../../lab-runner/src/authoring/rehearse";
import { seconds, stepFailure, stepLines, summaryLines } from "../../lab-runner/src/authoring/rehearse-report";

// `npm run lessons:test [slug…]`: every lesson (or those named, also as DOCKYARD_LESSONS=a,b) rehearsed in a
// real sandbox, one test per lesson and a subtest per step; DOCKYARD_LESSONS_CONCURRENCY lessons at a time.
// Prerequisites: `bash scripts/engine.sh start` and `bash scripts/images.sh`.

const wanted = [...process.argv.slice(2), ...(process.env.DOCKYARD_LESSONS ?? "").split(",")].map((s) => s.trim()).filter(Boolean);
const concurrency = Number(process.env.DOCKYARD_LESSONS_CONCURRENCY ?? 2);
const { lessons, errors } = loadLessons(contentDir());
const broken = new Map(errors.map((e) => [path.basename(path.dirname(e.file)), e]));
const labs = rehearsalLabs(contentDir());
const reports: LessonReport[] = [];
const open = new Set<Rehearsal>();

const picked = (slug: string) => !wanted.length || wanted.includes(slug);

// An interrupted run still removes its sandboxes; the summary comes after the reporter's own last lines.
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => void Promise.allSettled([...open].map((r) => r.close())).then(() => process.exit(130)));
process.on("exit", () => reports.length && process.stdout.write(summaryLines(reports).join("\n") + "\n"));

describe("lessons", { concurrency }, () => {
  for (const slug of wanted.filter((s) => !broken.has(s) && !lessons.some((l) => l.slug === s)))
    test(`lesson ${slug}`, () => assert.fail(`there is no lesson “${slug}” in ${contentDir()}/lessons`));

  for (const [slug, error] of broken)
    if (picked(slug)) test(`lesson ${slug}`, () => assert.fail(`it does not parse (run npm run lessons:lint): ${error.message}`));

  for (const lesson of lessons.filter((l) => picked(l.slug)))
    test(`lesson ${lesson.slug}`, async (t) => {
      const rehearsal = new Rehearsal(labs, lesson.slug);
      reports.push(rehearsal.report);
      open.add(rehearsal);
      try {
        await rehearsal.boot();
        t.diagnostic(`sandbox ready in ${seconds(rehearsal.report.bootMs!)}`);
        for (const step of rehearsal.steps)
          await t.test(`step ${step.id}: ${step.title}`, async (st) => {
            const report = await rehearsal.step(step);
            for (const line of stepLines(report)) st.diagnostic(line);
            assert.ok(report.ok, stepFailure(report));
          });
      } finally {
        await rehearsal.close();
        open.delete(rehearsal);
      }
    });
});
