import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { registryMirror } from "@dockyard/contract/server";

// Run by `scripts/images.sh bundle`: writes one image from the registry mirror (its cache, or its upstream through it)
// as `docker save` would, a tar `docker load` reads, and prints the image's id. Usage: mirror-export.ts NAME[:TAG] OUT.TAR
// The Docker Registry HTTP API is all it needs: Dockyard's engine cannot pull from the mirror itself (it is not its
// registry mirror, and speaks no plain HTTP to a registry outside loopback).

const fail = (message: string): never => {
  console.error(`[images] ERROR: ${message}`);
  process.exit(2);
};

const [ref, out] = process.argv.slice(2);
if (!ref || !out) fail("usage: mirror-export.ts NAME[:TAG] OUT.TAR");
const mirror = registryMirror() ?? fail("no registry mirror is configured (DOCKYARD_REGISTRY_MIRROR_UPSTREAM)");
const [name, tag = "latest"] = ref!.split(":") as [string, string?];
const repository = name.includes("/") ? name : `library/${name}`; // Docker Hub's official images
const MANIFESTS = [
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.oci.image.index.v1+json",
].join(", ");
const ARCH: Record<string, string> = { x64: "amd64", arm64: "arm64" };

interface Descriptor {
  digest: string;
  size: number;
  platform?: { os: string; architecture: string };
}
interface Manifest {
  config?: Descriptor;
  layers?: Descriptor[];
  manifests?: Descriptor[];
}

async function get(what: string, accept?: string): Promise<Response> {
  const url = `${mirror.url}/v2/${repository}/${what}`;
  const response = await fetch(url, { headers: accept ? { accept } : {} }).catch((err: Error) =>
    fail(`the registry mirror at ${mirror.url} does not answer (is it running? scripts/mirror.sh start): ${err.message}`),
  );
  if (!response.ok) fail(`the registry mirror could not give ${name}:${tag} (${what}: HTTP ${response.status}): ${(await response.text()).trim()}`);
  return response;
}

/** Writes the blob to the file, checking its digest on the way. */
async function saveBlob(blob: Descriptor, file: string): Promise<void> {
  const hash = createHash("sha256");
  const body = (await get(`blobs/${blob.digest}`)).body ?? fail(`the mirror sent no body for ${blob.digest}`);
  const tap = new Transform({ transform: (chunk: Buffer, _, done) => (hash.update(chunk), done(null, chunk)) });
  await pipeline(Readable.fromWeb(body as import("node:stream/web").ReadableStream), tap, fs.createWriteStream(file));
  if (`sha256:${hash.digest("hex")}` !== blob.digest) fail(`${blob.digest} arrived damaged (its digest differs)`);
}

let manifest = (await (await get(`manifests/${tag}`, MANIFESTS)).json()) as Manifest;
if (manifest.manifests) {
  const arch = ARCH[process.arch] ?? process.arch;
  const mine =
    manifest.manifests.find((m) => m.platform?.os === "linux" && m.platform.architecture === arch) ?? fail(`${name}:${tag} has no linux/${arch} image`);
  manifest = (await (await get(`manifests/${mine.digest}`, MANIFESTS)).json()) as Manifest;
}
const { config, layers } = manifest;
if (!config || !layers) fail(`${name}:${tag}: not an image manifest this can read (a schema 1 manifest?)`);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockyard-export-"));
try {
  const configFile = `${config!.digest.slice("sha256:".length)}.json`;
  await saveBlob(config!, path.join(dir, configFile));
  const files: string[] = [];
  for (const [i, layer] of layers!.entries()) {
    console.error(`[images] ${name}:${tag}: layer ${i + 1} of ${layers!.length} (${(layer.size / 1024 ** 2).toFixed(1)} MB)`);
    fs.mkdirSync(path.join(dir, String(i)));
    await saveBlob(layer, path.join(dir, String(i), "layer.tar")); // compressed as the registry keeps it: docker load unpacks it
    files.push(`${i}/layer.tar`);
  }
  fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify([{ Config: configFile, RepoTags: [`${name}:${tag}`], Layers: files }]));
  execFileSync("tar", ["-cf", out!, "-C", dir, "."]);
  console.log(config!.digest);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
