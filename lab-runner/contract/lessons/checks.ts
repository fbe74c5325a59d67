import { z } from "zod";
import { NODE_NAME } from "../ids";
import { EXISTS_ONLY, existsOnly, keyValue, labels, text } from "./check-fields";
import { kubernetesChecks } from "./kubernetes-checks";

// What a check may ask (a step's fenced ```check blocks, YAML): one schema per kind. Every field given is
// one criterion, judged against the sandbox's real state; values are normalized here so the judges compare
// like with like. The kinds, with every field:
//
//   kind: container   name, image (at least one), status: any|running|exited, label, publishedPort (+ hostPort),
//                     env, exitCode, logsContain
//   kind: image       name (required), exists, label, cmd, entrypoint, exposedPort, layers: {min, max},
//                     dockerfileContains, smallerThan
//   kind: volume      name (required), exists, label, mountedBy
//   kind: network     name (required), exists, driver, containers
//   kind: file        path (required; relative to /root), exists, contains
//   kind: http        url (required; requested from inside the sandbox), status, bodyContains, timeoutSeconds
//   kind: command     matches (a regular expression) and/or contains: a command the learner ran in this step
//   kind: script      script (required; exit 0 passes, its output is the message), title, timeoutSeconds
//   kind: registry    repository (required; "app" or "registry:5000/app"), tag, exists: in the lab's private
//                     registry (lessons with `registry: true`), asked through its HTTP API
//
// Kinds about the lab's Kubernetes cluster (lessons with `kubernetes:`), read through its API; each but
// kubernetes-node takes namespace (default "default"). Schemas in kubernetes-checks.ts.
//   kind: pod         name or selector (one of them), exists, count (with selector), phase: Pending|Running|
//                     Succeeded|Failed, ready, image (some container's), label, onNode (the cluster node);
//                     with a selector, every matching pod must meet each field
//   kind: deployment  name (required), exists, replicas (spec), readyReplicas, available (rollout complete),
//                     image ("image" or "container=image", in its pod template), label, selector (its
//                     matchLabels include these), revisions (ReplicaSets it owns: its rollout history)
//   kind: replicaset  name or deployment (owned by it), count (with deployment), replicas (spec), image; with
//                     deployment, image picks the ReplicaSet running it (else the newest revision) for replicas
//   kind: service     name (required), exists, type: ClusterIP|NodePort|LoadBalancer|ExternalName, port
//                     (+ targetPort), selector (its selector includes these), endpoints (ready addresses),
//                     selectsPods (its selector matches a Running pod), answers: true or {path, status,
//                     bodyContains} (asked from inside the cluster through the API server's service proxy)
//   kind: kubernetes-node  name, ready, count (Ready nodes; without name), label, fake (a kwok node); without
//                     name, label and fake pick the nodes that count and ready judge
// Pods and objects being deleted count as gone. A count, endpoints or revisions is a number (exactly) or
// {min, max}. Images compare as Kubernetes pulls them: nginx is docker.io/library/nginx:latest.
//
// Every kind but registry and the Kubernetes kinds may name the node it is judged on: node: node2 (node1
// unless given).
// label is "key=value" or a map {key: value, …}; env is "KEY=value" or a list of them; a port is 80 or
// "80/udp" (tcp unless said); cmd and entrypoint are a string (matches the shell form or the exec form
// joined by spaces) or a list (the exact exec form); dockerfileContains is an instruction ("EXPOSE 5000",
// "USER") or a list, found in the image's history (its base image's too) by keyword and whole-word
// arguments; smallerThan is bytes or {image: other}. exists defaults to true; exists: false passes when
// the thing is absent and cannot be combined with other fields.

/** The lab node a check is judged on (node1 unless given). */
const node = z.string().regex(NODE_NAME, "must be a node name like node2").optional();

/** "repo" or "repo:tag", normalized to "repo:tag" (latest when no tag). */
const imageRef = z
  .string()
  .regex(/^[a-z0-9][\w.\/:-]*$/, "must be an image name like app or app:1.0")
  .transform((ref) => (/:[^/]*$/.test(ref) ? ref : `${ref}:latest`));

/** 80, "80" or "80/udp", normalized to "80/tcp" or "80/udp". */
const port = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const [, number, protocol = "tcp"] = String(value).match(/^(\d{1,5})(?:\/(tcp|udp|sctp))?$/) ?? [];
  if (number && Number(number) >= 1 && Number(number) <= 65535) return `${Number(number)}/${protocol}`;
  ctx.addIssue({ code: "custom", message: `“${value}” is not a port like 80 or "53/udp"` });
  return z.NEVER;
});

/** "KEY=value" or a list of them, normalized to [KEY, value] pairs. */
const envList = z
  .union([z.string().transform((entry) => [entry]), z.array(z.string()).min(1)])
  .transform((entries, ctx) => entries.map((entry) => keyValue(entry, ctx, "variable")));

const commandLine = z.union([text, z.array(z.string()).min(1)]);

const oneOrMore = z.union([text.transform((item) => [item]), z.array(text).min(1)]);

/** Nothing else can be asked of something that must not exist. */
const nameOnly = existsOnly("name", "path", "node");

const containerCheck = z
  .object({
    kind: z.literal("container"),
    node,
    name: text.optional(),
    image: text.optional(),
    status: z.enum(["any", "running", "exited"]).default("any"),
    label: labels.optional(),
    publishedPort: port.optional(),
    hostPort: z.number().int().min(1).max(65535).optional(),
    env: envList.optional(),
    exitCode: z.number().int().min(0).max(255).optional(),
    logsContain: z.string().optional(),
  })
  .strict()
  .refine((c) => c.name !== undefined || c.image !== undefined, { message: "a container check needs a name or an image" })
  .refine((c) => c.hostPort === undefined || c.publishedPort !== undefined, {
    message: "hostPort needs publishedPort (the container port)",
    path: ["hostPort"],
  });

const imageCheck = z
  .object({
    kind: z.literal("image"),
    node,
    name: imageRef,
    exists: z.boolean().default(true),
    label: labels.optional(),
    cmd: commandLine.optional(),
    entrypoint: commandLine.optional(),
    exposedPort: port.optional(),
    layers: z
      .object({ min: z.number().int().min(1).optional(), max: z.number().int().min(1).optional() })
      .strict()
      .refine((l) => l.min !== undefined || l.max !== undefined, "give min, max or both")
      .optional(),
    dockerfileContains: oneOrMore.optional(),
    smallerThan: z.union([z.number().int().positive(), z.object({ image: imageRef }).strict()]).optional(),
  })
  .strict()
  .refine(nameOnly, EXISTS_ONLY);

const volumeCheck = z
  .object({
    kind: z.literal("volume"),
    node,
    name: text,
    exists: z.boolean().default(true),
    label: labels.optional(),
    mountedBy: text.optional(),
  })
  .strict()
  .refine(nameOnly, EXISTS_ONLY);

const networkCheck = z
  .object({
    kind: z.literal("network"),
    node,
    name: text,
    exists: z.boolean().default(true),
    driver: text.optional(),
    containers: oneOrMore.optional(),
  })
  .strict()
  .refine(nameOnly, EXISTS_ONLY);

const fileCheck = z
  .object({
    kind: z.literal("file"),
    node,
    path: text,
    exists: z.boolean().default(true),
    contains: text.optional(),
  })
  .strict()
  .refine(nameOnly, EXISTS_ONLY);

const httpCheck = z
  .object({
    kind: z.literal("http"),
    node,
    url: z.string().regex(/^https?:\/\/\S+$/, "must be an http:// or https:// URL"),
    status: z.number().int().min(100).max(599).default(200),
    bodyContains: text.optional(),
    timeoutSeconds: z.number().positive().max(30).default(5),
  })
  .strict();

const commandCheck = z
  .object({
    kind: z.literal("command"),
    node,
    matches: text
      .refine((pattern) => {
        try {
          return Boolean(new RegExp(pattern));
        } catch {
          return false;
        }
      }, "must be a valid regular expression")
      .optional(),
    contains: text.optional(),
  })
  .strict()
  .refine((c) => c.matches !== undefined || c.contains !== undefined, { message: "a command check needs matches or contains" });

const scriptCheck = z
  .object({
    kind: z.literal("script"),
    node,
    title: z.string().optional(),
    script: z.string().min(1),
    timeoutSeconds: z.number().positive().max(60).default(15),
  })
  .strict();

/** A repository name as the registry knows it; the registry's own host in front is dropped. */
const repository = z
  .string()
  .transform((name) => name.replace(/^registry:5000\//, ""))
  .pipe(z.string().regex(/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/, "must be a repository name like app or team/app"));

const registryCheck = z
  .object({
    kind: z.literal("registry"),
    repository,
    tag: z
      .string()
      .regex(/^\w[\w.-]{0,127}$/, "must be a tag like v1 or latest")
      .optional(),
    exists: z.boolean().default(true),
  })
  .strict();

export const checkSchema = z.discriminatedUnion("kind", [
  containerCheck,
  imageCheck,
  volumeCheck,
  networkCheck,
  fileCheck,
  httpCheck,
  commandCheck,
  scriptCheck,
  registryCheck,
  ...kubernetesChecks,
]);
export const checkBlockSchema = z.union([checkSchema.transform((c) => [c]), z.array(checkSchema).min(1)]);

export type Check = z.infer<typeof checkSchema>;
export type ContainerCheck = z.infer<typeof containerCheck>;
export type ImageCheck = z.infer<typeof imageCheck>;
export type VolumeCheck = z.infer<typeof volumeCheck>;
export type NetworkCheck = z.infer<typeof networkCheck>;
export type FileCheck = z.infer<typeof fileCheck>;
export type HttpCheck = z.infer<typeof httpCheck>;
export type CommandCheck = z.infer<typeof commandCheck>;
export type ScriptCheck = z.infer<typeof scriptCheck>;
export type RegistryCheck = z.infer<typeof registryCheck>;
