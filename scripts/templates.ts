import { performance } from "node:perf_hooks";
import { contentDir, loadLessons } from "@dockyard/contract/server";
import { dockerContext } from "../lab-runner/src/sandbox/docker/context";
import { imageSources } from "../lab-runner/src/sandbox/docker/host";
import { imageSet, NodeTemplates } from "../lab-runner/src/sandbox/docker/templates";

// Run by scripts/setup.sh after images.sh: makes the node disk template of every image set a lesson lists (its
// frontmatter's `images`), so that no learner's first boot of a lesson waits for one; removes those of sets no
// lesson lists any more. A template already there for the same inputs is kept (lab-runner/src/sandbox/docker/templates.ts).

// Of a lesson's images, those this host has a tar of: what a node pulls through the registry mirror is in no template.
const context = dockerContext({});
const sets = new Map<string, string[]>();
for (const lesson of loadLessons(contentDir()).lessons) {
  const images = imageSet(imageSources(context.paths, lesson.images).tars);
  sets.set(images.join(" "), images);
}

const templates = new NodeTemplates(context);
for (const images of sets.values()) {
  const t0 = performance.now();
  const file = await templates.ensure(images);
  console.log(`[templates] ${images.join(", ") || "(no images)"}: ${file} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}
for (const file of await templates.prune([...sets.values()])) console.log(`[templates] removed ${file}: no lesson lists its images`);
