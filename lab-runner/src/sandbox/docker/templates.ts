import { createHash } from "node:crypto";
import fsSync from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { DriverError } from "../driver";
import { bootLab } from "./boot";
import type { DiskTemplates, DockerContext } from "./context";
import { errorMessage } from "./engine";
import { removeLab } from "./inventory";
import { nodeContainer } from "./naming";

// A node's disk starts as a clone of its image set's template, so its course images are in place at boot instead
// of `docker load`ed from their tars (seconds for debian or python). A template is a node disk (an ext4 file of the
// node disk's size) whose inner Docker data root already holds the images of one set: made by booting a throwaway
// node of no learner with the tars (the ordinary boot), stopping it cleanly so that its dockerd flushes, and keeping
// its disk. A clone is a reflink (`FICLONE`) on the nodes' XFS (scripts/engine.sh): O(1), and each node writes to
// blocks of its own. Files in the data root belong to the remapped root, the same for every node. Templates are
// made at setup (scripts/templates.ts) and on the first boot of a set that has none, which concurrent boots of that
// set wait for; they are keyed by everything they are made of, so a changed course image, sandbox image, remapping
// or disk size makes a new one (and the old one of that set and size goes). Where the nodes' filesystem cannot
// clone, nodes boot as before, from empty disks.

/** Bump when the way a template is made changes, so that those made before are made again. */
const RECIPE = 1;
const LEARNER = "dockyard-template"; // the throwaway node's: no learner's
const STOP_SECONDS = 30;

/** Everything a template is made of. */
export interface TemplateInputs {
  /** The image set: the course images, sorted, each once. */
  images: string[];
  /** Per image, its tar as images.sh saved it: size, modification time and the image ids it holds. */
  tars: string[];
  sandboxImageId: string;
  /** The engine's userns remapping (/etc/subuid's dockremap line): who owns the files in the data root. */
  remapping: string;
  diskBytes: number;
}

export const imageSet = (images: string[]) => [...new Set(images)].sort();

export const templateKey = (inputs: TemplateInputs) =>
  createHash("sha256")
    .update(JSON.stringify({ recipe: RECIPE, ...inputs }))
    .digest("hex")
    .slice(0, 16);

/** `<images joined by +>.<MiB>m.<key>.ext4`: one slot per set and disk size, of which only the current key is kept. */
const slotOf = (images: string[], diskBytes: number) => `${images.join("+") || "no-images"}.${Math.round(diskBytes / 1024 ** 2)}m.`;

export class NodeTemplates implements DiskTemplates {
  private readonly building = new Map<string, Promise<void>>();
  private clonable?: Promise<string | undefined>;

  /** `context`: where templates are made, whose own boots start from empty disks. */
  constructor(private readonly context: DockerContext) {}

  get dir(): string {
    return path.join(this.context.paths.nodePool, "templates");
  }

  /** The template to clone for a new node of these images, or none (the node loads them at boot). */
  async forImages(images: string[]): Promise<string | undefined> {
    if (await this.cannotClone()) return undefined;
    try {
      return await this.ensure(images);
    } catch (err) {
      console.warn(`[lab-runner] no template for the images ${imageSet(images).join(", ") || "(none)"}, so the node loads them: ${errorMessage(err)}`);
      return undefined;
    }
  }

  /** The file of the set's current template, made first if there is none; concurrent calls for a set wait on one build. */
  async ensure(images: string[]): Promise<string> {
    const why = await this.cannotClone();
    if (why) throw new DriverError("host_not_prepared", why);
    const inputs = await this.inputsOf(images);
    const file = path.join(this.dir, `${slotOf(inputs.images, inputs.diskBytes)}${templateKey(inputs)}.ext4`);
    if (fsSync.existsSync(file)) return file;
    let build = this.building.get(file);
    if (!build) {
      build = this.build(inputs, file).finally(() => this.building.delete(file));
      this.building.set(file, build);
    }
    await build;
    return file;
  }

  /** Removes the templates of sets not in `keep` (those no lesson lists any more). */
  async prune(keep: string[][]): Promise<string[]> {
    const slots = new Set(keep.map((images) => slotOf(imageSet(images), this.context.settings.diskBytes)));
    const files = await fs.readdir(this.dir).catch(() => [] as string[]);
    const stale = files.filter((f) => f.endsWith(".ext4") && ![...slots].some((slot) => f.startsWith(slot)));
    await Promise.all(stale.map((f) => this.removeTemplate(path.join(this.dir, f))));
    return stale;
  }

  /** What the template of these images is made of, as they are now. */
  async inputsOf(courseImages: string[]): Promise<TemplateInputs> {
    const { docker, settings, paths } = this.context;
    const images = imageSet(courseImages);
    const tars = await Promise.all(
      images.map(async (image) => {
        const tar = paths.courseImageTar(image);
        const st = await fs.stat(tar);
        const ids = await fs.readFile(`${tar}.ids`, "utf8").catch(() => "");
        return `${image} ${st.size} ${st.mtimeMs} ${ids.trim()}`;
      }),
    );
    const sandboxImageId = (await docker.getImage(settings.image).inspect()).Id;
    const subuid = await fs.readFile("/etc/subuid", "utf8").catch(() => "");
    const remapping = subuid.split("\n").find((line) => line.startsWith("dockremap:")) ?? "";
    return { images, tars, sandboxImageId, remapping, diskBytes: settings.diskBytes };
  }

  private async build(inputs: TemplateInputs, file: string): Promise<void> {
    const { context } = this;
    const id = `dy-template-${templateKey(inputs)}`;
    const container = nodeContainer(id);
    const started = Date.now();
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      await bootLab(context, id, { learnerId: LEARNER, lessonSlug: "template", images: inputs.images });
      await context.docker.getContainer(container).stop({ t: STOP_SECONDS }); // its dockerd stops cleanly: all it wrote is on the disk
      await fs.mkdir(this.dir, { recursive: true });
      await context.disks.detach(container, tmp);
      const made = { ...inputs, builtAt: new Date().toISOString(), seconds: (Date.now() - started) / 1000 };
      await fs.writeFile(file.replace(/\.ext4$/, ".json"), JSON.stringify(made, null, 2) + "\n");
      await fs.rename(tmp, file);
    } finally {
      await fs.rm(tmp, { force: true });
      await removeLab(context, id).catch(() => undefined);
    }
    const slot = slotOf(inputs.images, inputs.diskBytes);
    const older = (await fs.readdir(this.dir)).filter((f) => f.startsWith(slot) && f.endsWith(".ext4") && path.join(this.dir, f) !== file);
    await Promise.all(older.map((f) => this.removeTemplate(path.join(this.dir, f)))); // clones keep their blocks
  }

  private async removeTemplate(file: string): Promise<void> {
    await Promise.all([fs.rm(file, { force: true }), fs.rm(file.replace(/\.ext4$/, ".json"), { force: true })]);
  }

  /** Why the nodes' filesystem cannot clone a file, if it cannot (asked once, and said once). */
  private cannotClone(): Promise<string | undefined> {
    this.clonable ??= (async () => {
      const probe = path.join(this.dir, `.clone-probe-${process.pid}`);
      try {
        await fs.mkdir(this.dir, { recursive: true });
        await fs.writeFile(probe, "probe");
        await fs.copyFile(probe, `${probe}.clone`, fsSync.constants.COPYFILE_FICLONE_FORCE);
        return undefined;
      } catch (err) {
        const why = `${this.context.paths.nodePool} cannot clone files (${errorMessage(err)}); scripts/engine.sh makes it XFS with reflink`;
        console.warn(`[lab-runner] nodes start from empty disks and load their course images at boot: ${why}`);
        return why;
      } finally {
        await Promise.all([fs.rm(probe, { force: true }), fs.rm(`${probe}.clone`, { force: true })]);
      }
    })();
    return this.clonable;
  }
}
