import crypto from "node:crypto";
import { Refusal } from "@dockyard/contract";
import { db, isUniqueViolation } from "@/app/_lib/db";

// The LMSes registered as LTI 1.3 platforms, by an admin (Admin → LTI platforms) or by LTI Dynamic Registration
// (dynamicRegistration.ts). Several at once; one issuer may hold several registrations (client ids).

export interface Platform {
  id: string;
  name: string;
  issuer: string;
  clientId: string;
  authLoginUrl: string;
  authTokenUrl: string;
  jwksUrl: string;
  deploymentIds: string[];
  createdAt: Date;
}

export type NewPlatform = Omit<Platform, "id" | "createdAt">;

type Row = Omit<Platform, "deploymentIds"> & { deploymentIds: string };

const parsed = (row: Row): Platform => ({ ...row, deploymentIds: JSON.parse(row.deploymentIds) as string[] });

const URL_FIELDS = { authLoginUrl: "authentication (OIDC login) URL", authTokenUrl: "access token URL", jwksUrl: "keyset (JWKS) URL" } as const;

/** Why these values cannot be a platform, in words for the admin; undefined when they can. */
function platformProblem(p: NewPlatform): string | undefined {
  if (!p.name.trim()) return "Give the platform a name, e.g. “Canvas (university)”.";
  if (!p.issuer.trim()) return "Give the platform's issuer (its iss), e.g. https://canvas.instructure.com.";
  if (!p.clientId.trim()) return "Give the client id the LMS gave Dockyard.";
  for (const [field, label] of Object.entries(URL_FIELDS)) {
    const value = p[field as keyof typeof URL_FIELDS];
    if (!/^https?:\/\//.test(value) || !URL.canParse(value)) return `The ${label} must be an http(s) address; “${value}” is not.`;
  }
  if (p.deploymentIds.length === 0) return "Give at least one deployment id (the LMS shows it when Dockyard is installed in it).";
  return undefined;
}

/** Registers a platform; refused (bad_request) with the problem or when this issuer and client id are registered already. */
export async function addPlatform(p: NewPlatform): Promise<string> {
  const problem = platformProblem(p);
  if (problem) throw new Refusal("bad_request", problem);
  const id = crypto.randomUUID();
  try {
    await db.ltiPlatform.create({ data: { ...p, id, deploymentIds: JSON.stringify([...new Set(p.deploymentIds)]) } });
  } catch (e) {
    if (isUniqueViolation(e)) throw new Refusal("bad_request", `Client id ${p.clientId} of ${p.issuer} is registered already.`);
    throw e;
  }
  return id;
}

/** A registration the platform made (Dynamic Registration): a new one, or its new deployment added to the one it has. */
export async function savePlatform(p: NewPlatform): Promise<string> {
  const existing = await db.ltiPlatform.findUnique({ where: { issuer_clientId: { issuer: p.issuer, clientId: p.clientId } } });
  if (!existing) return addPlatform(p);
  const deploymentIds = [...new Set([...parsed(existing).deploymentIds, ...p.deploymentIds])];
  await db.ltiPlatform.update({ where: { id: existing.id }, data: { ...p, deploymentIds: JSON.stringify(deploymentIds) } });
  return existing.id;
}

/** Removes a platform; its courses' links to cohorts go with it (the cohorts stay). */
export async function removePlatform(id: string): Promise<void> {
  await db.ltiPlatform.deleteMany({ where: { id } });
}

export async function listPlatforms(): Promise<Platform[]> {
  return (await db.ltiPlatform.findMany({ orderBy: { createdAt: "asc" } })).map(parsed);
}

export async function platformById(id: string): Promise<Platform | undefined> {
  const row = await db.ltiPlatform.findUnique({ where: { id } });
  return row ? parsed(row) : undefined;
}

/**
 * The platform a message comes from: its issuer and the client id it names. Without a client id (optional in a
 * login initiation) the issuer must hold one registration only.
 */
export async function platformOf(issuer: string, clientId: string | undefined): Promise<Platform> {
  const rows = await db.ltiPlatform.findMany({ where: { issuer, ...(clientId ? { clientId } : {}) } });
  if (rows.length === 1) return parsed(rows[0]!);
  if (rows.length > 1)
    throw new Refusal(
      "lti_invalid",
      `Dockyard has several registrations of ${issuer} and the LMS did not say which one (client_id). Ask your LMS administrator to check Dockyard's registration.`,
    );
  throw new Refusal(
    "lti_unknown_platform",
    `The LMS ${issuer}${clientId ? ` (client id ${clientId})` : ""} is not registered with Dockyard, so the launch was refused. Ask a Dockyard admin to add it under Admin → LTI platforms.`,
  );
}
