import { z } from "zod";
import { EXISTS_ONLY, existsOnly, keyValue, scalar, text } from "./check-fields";

// The check kinds about the lab's Kubernetes cluster (lessons with `kubernetes:` in their frontmatter), judged
// through the cluster's API. The cluster is the lab's, not a node's, so none of them takes `node:`. Their fields
// are listed with the other kinds' at the top of checks.ts.

/** A name as Kubernetes allows it for pods, deployments, services and nodes (a DNS subdomain). */
const objectName = z
  .string()
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "must be a Kubernetes name like web (lowercase letters, digits, - and .)");

const namespace = z
  .string()
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a namespace like default")
  .default("default");

/**
 * Labels, or a selector by equality: "app=web", "app=web,tier=front" or {app: web}, normalized to a map
 * (Kubernetes label values cannot hold a comma, so a comma always separates two labels).
 */
const labelMap = z.union([z.string(), z.record(z.string().min(1), scalar)]).transform((value, ctx) => {
  const map = typeof value === "string" ? Object.fromEntries(value.split(",").map((entry) => keyValue(entry.trim(), ctx, "label"))) : value;
  if (Object.keys(map).length) return map;
  ctx.addIssue({ code: "custom", message: "give at least one label" });
  return z.NEVER;
});

/** How many: a number (exactly) or {min, max} (either or both), normalized to {min, max}. */
const range = z
  .union([
    z
      .number()
      .int()
      .min(0)
      .transform((n) => ({ min: n, max: n })),
    z
      .object({ min: z.number().int().min(0).optional(), max: z.number().int().min(0).optional() })
      .strict()
      .refine((r) => r.min !== undefined || r.max !== undefined, "give min, max or both")
      .refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, "min cannot be more than max"),
  ])
  .optional();

/** An image as a pod spec names it: "nginx", "nginx:1.25", "registry:5000/app:v1", "nginx@sha256:…". */
const image = z.string().regex(/^[a-z0-9][\w.\/:@-]*$/, "must be an image like nginx or nginx:1.25");

/** "image", or "container=image" to say which container runs it. */
const containerImage = z
  .string()
  .transform((value) => {
    const at = value.indexOf("=");
    return at < 0 ? { image: value } : { container: value.slice(0, at), image: value.slice(at + 1) };
  })
  .pipe(z.object({ container: objectName.optional(), image }));

const podCheck = z
  .object({
    kind: z.literal("pod"),
    namespace,
    name: objectName.optional(),
    selector: labelMap.optional(),
    exists: z.boolean().default(true),
    count: range,
    phase: z.enum(["Pending", "Running", "Succeeded", "Failed"]).optional(),
    ready: z.boolean().optional(),
    image: image.optional(),
    label: labelMap.optional(),
    onNode: objectName.optional(),
  })
  .strict()
  .refine((c) => (c.name === undefined) !== (c.selector === undefined), {
    message: "a pod check needs a name or a selector, not both (check the labels of a named pod with label:)",
  })
  .refine((c) => c.count === undefined || c.selector !== undefined, { message: "count needs a selector: how many pods match it", path: ["count"] })
  .refine(existsOnly("namespace", "name", "selector"), EXISTS_ONLY);

const deploymentCheck = z
  .object({
    kind: z.literal("deployment"),
    namespace,
    name: objectName,
    exists: z.boolean().default(true),
    replicas: z.number().int().min(0).optional(),
    readyReplicas: z.number().int().min(0).optional(),
    available: z.boolean().optional(),
    image: containerImage.optional(),
    label: labelMap.optional(),
    selector: labelMap.optional(),
    revisions: range,
  })
  .strict()
  .refine(existsOnly("namespace", "name"), EXISTS_ONLY);

const replicaSetCheck = z
  .object({
    kind: z.literal("replicaset"),
    namespace,
    name: objectName.optional(),
    deployment: objectName.optional(),
    count: range,
    replicas: z.number().int().min(0).optional(),
    image: image.optional(),
  })
  .strict()
  .refine((c) => (c.name === undefined) !== (c.deployment === undefined), {
    message: "a replicaset check needs a name or a deployment (the one that owns it), not both",
  })
  .refine((c) => c.count === undefined || c.deployment !== undefined, {
    message: "count needs a deployment: how many ReplicaSets it owns",
    path: ["count"],
  });

const serviceCheck = z
  .object({
    kind: z.literal("service"),
    namespace,
    name: objectName,
    exists: z.boolean().default(true),
    type: z.enum(["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"]).optional(),
    port: z.number().int().min(1).max(65535).optional(),
    targetPort: z.union([z.number().int().min(1).max(65535), text]).optional(),
    selector: labelMap.optional(),
    endpoints: range,
    selectsPods: z.boolean().optional(),
    answers: z
      .union([
        z.literal(true).transform((): { path: string; status: number; bodyContains?: string } => ({ path: "/", status: 200 })),
        z
          .object({
            path: z
              .string()
              .regex(/^\/\S*$/, "must be a path like / or /health")
              .default("/"),
            status: z.number().int().min(100).max(599).default(200),
            bodyContains: text.optional(),
          })
          .strict(),
      ])
      .optional(),
  })
  .strict()
  .refine((c) => c.targetPort === undefined || c.port !== undefined, { message: "targetPort needs port (the service's port)", path: ["targetPort"] })
  .refine(existsOnly("namespace", "name"), EXISTS_ONLY);

const kubernetesNodeCheck = z
  .object({
    kind: z.literal("kubernetes-node"),
    name: objectName.optional(),
    ready: z.boolean().optional(),
    count: range,
    label: labelMap.optional(),
    fake: z.boolean().optional(),
  })
  .strict()
  .refine((c) => c.count === undefined || c.name === undefined, { message: "count is about several nodes: give it without a name", path: ["count"] })
  .refine((c) => Object.keys(c).length > 1, { message: "a kubernetes-node check needs a name, ready, count, label or fake" });

export const kubernetesChecks = [podCheck, deploymentCheck, replicaSetCheck, serviceCheck, kubernetesNodeCheck] as const;
export type KubernetesCheck = z.infer<(typeof kubernetesChecks)[number]>;

const KINDS: Record<KubernetesCheck["kind"], true> = { pod: true, deployment: true, replicaset: true, service: true, "kubernetes-node": true };

/** Whether a check is judged through the lab's cluster (a lesson may use these only with `kubernetes:` in its frontmatter). */
export const isKubernetesCheck = (check: { kind: string }): check is KubernetesCheck => Object.hasOwn(KINDS, check.kind);

export type Range = { min?: number; max?: number };
export type PodCheck = z.infer<typeof podCheck>;
export type DeploymentCheck = z.infer<typeof deploymentCheck>;
export type ReplicaSetCheck = z.infer<typeof replicaSetCheck>;
export type ServiceCheck = z.infer<typeof serviceCheck>;
export type KubernetesNodeCheck = z.infer<typeof kubernetesNodeCheck>;
