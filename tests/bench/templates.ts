import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { findLesson, contentDir } from "@dockyard/contract/server";
import { DockerSandboxDriver } from "../../lab-runner/src/sandbox/docker";
import { dockerContext } from "../../lab-runner/src/sandbox/docker/context";
import { NodeTemplates } from "../../lab-runner/src/sandbox/docker/templates";
import { report } from "./stats";

// `npm run bench:templates`: the first lesson's lab until ready, its node disk cloned from the image set's
// template, against the same run's baseline, an empty disk into which the node `docker load`s the course images
// (the runs alternate, so both see the same host). Also what making the node's disk costs each way, and a first
// boot of a set that has no template yet (it builds one). Needs scripts/setup.sh to have run.

const RUNS = Number(process.env.BENCH_TEMPLATE_STARTS ?? 10);
const LESSON = "first-container";
const images = findLesson(contentDir(), LESSON)?.images ?? [];
const withTemplates = new DockerSandboxDriver();
const loading = new DockerSandboxDriver({ templates: false });
const context = dockerContext({});
const templates = new NodeTemplates(context);

async function ready(driver: DockerSandboxDriver, learner: string): Promise<number> {
  const t0 = performance.now();
  const sandbox = await driver.start({ learnerId: learner, lessonSlug: LESSON, images });
  const ms = performance.now() - t0;
  await driver.remove(sandbox.id);
  return ms;
}

/** Milliseconds `command` takes, run `runs` times on a fresh target each time. */
function timed(runs: number, command: (target: string) => void): number[] {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const target = path.join(templates.dir, `.bench-${process.pid}-${i}.ext4`);
    const t0 = performance.now();
    command(target);
    execFileSync("sync", ["-f", target]); // a copy's cost is mostly its writes
    samples.push(performance.now() - t0);
    fs.rmSync(target, { force: true });
  }
  return samples;
}

console.log(`Node disk templates (${new Date().toISOString()}): lesson ${LESSON}, images ${images.join(", ")}`);
const template = await templates.ensure(images);
const kept = `${template}.bench-kept`;
fs.renameSync(template, kept); // a first boot of the set, with no template
try {
  report("first boot of a set with no template (builds it)", [await ready(withTemplates, `bench-tpl-build-${process.pid}`)]);
} finally {
  fs.renameSync(kept, template); // the one that boot built is as good: this one has the same key
}
const cloned: number[] = [];
const loaded: number[] = [];
for (let i = 0; i < RUNS; i++) {
  cloned.push(await ready(withTemplates, `bench-tpl-${process.pid}-${i}`));
  loaded.push(await ready(loading, `bench-load-${process.pid}-${i}`));
}
report("ready, disk cloned from the template", cloned);
report("ready, empty disk + docker load (baseline)", loaded);
const used = Number(execFileSync("du", ["-B1", template], { encoding: "utf8" }).split("\t")[0]);
console.log(`  the template holds ${(used / 1024 ** 2).toFixed(0)} MiB of its ${(context.settings.diskBytes / 1024 ** 3).toFixed(0)} GiB`);
report(
  "node disk: reflink of the template",
  timed(RUNS, (t) => execFileSync("cp", ["--reflink=always", template, t])),
);
report(
  "node disk: full copy of the template",
  timed(RUNS, (t) => execFileSync("cp", ["--reflink=never", "--sparse=always", template, t])),
);
