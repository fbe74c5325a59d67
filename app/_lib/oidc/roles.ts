import type { Role } from "../access";
import type { OidcSettings } from "./provider";

// Which Dockyard role an id_token asserts, read from one configurable claim (DOCKYARD_OIDC_ROLE_CLAIM, `groups` by
// default; a dotted path such as realm_access.roles reaches into an object). When the token carries the claim, the
// provider decides on every sign-in: a value of DOCKYARD_OIDC_INSTRUCTOR_VALUES makes an instructor, else one of
// DOCKYARD_OIDC_GRADER_VALUES a grader, else a student, so leaving the group at the provider ends the role here too.
// When the token does not carry it, the role stays what it is (an admin may have set it). An admin is never
// changed by it (app/_lib/identities.ts): admins are made by scripts/create-admin.ts and the admin page only.

type RoleRule = Pick<OidcSettings, "roleClaim" | "instructorValues" | "graderValues">;

function claimAt(claims: Record<string, unknown>, path: string): unknown {
  if (path in claims) return claims[path];
  return path.split(".").reduce<unknown>((value, key) => (value && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined), claims);
}

export function roleFromClaims(claims: Record<string, unknown>, rule: RoleRule): Exclude<Role, "admin"> | undefined {
  const value = claimAt(claims, rule.roleClaim);
  if (value === undefined || value === null) return undefined;
  const values = (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === "string");
  if (values.some((v) => rule.instructorValues.includes(v))) return "instructor";
  if (values.some((v) => rule.graderValues.includes(v))) return "grader";
  return "student";
}
