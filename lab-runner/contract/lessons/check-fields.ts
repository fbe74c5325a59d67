import { z } from "zod";

// Field types the check schemas share (checks.ts for the Docker and sandbox kinds, kubernetes-checks.ts for the
// cluster's), so a label or an `exists: false` means the same in every kind.

export const text = z.string().min(1);

export const scalar = z.union([z.string(), z.number(), z.boolean()]).transform(String);

export function keyValue(entry: string, ctx: z.RefinementCtx, what: string): [string, string] {
  const at = entry.indexOf("=");
  if (at > 0) return [entry.slice(0, at), entry.slice(at + 1)];
  ctx.addIssue({ code: "custom", message: `“${entry}” is not a ${what} like key=value` });
  return z.NEVER;
}

/** "key=value" or {key: value, …}, normalized to a map. */
export const labels = z.union([z.string(), z.record(z.string().min(1), scalar)]).transform((value, ctx) => {
  if (typeof value === "string") return Object.fromEntries([keyValue(value, ctx, "label")]);
  if (Object.keys(value).length) return value;
  ctx.addIssue({ code: "custom", message: "give at least one label" });
  return z.NEVER;
});

/** Nothing else can be asked of something that must not exist: only the fields that say which thing it is. */
export const existsOnly =
  (...identity: string[]) =>
  (check: { exists: boolean }) =>
    check.exists || Object.keys(check).every((key) => ["kind", "exists", ...identity].includes(key));
export const EXISTS_ONLY = { message: "exists: false cannot be combined with other criteria" };
