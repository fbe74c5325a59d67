import type http from "node:http";
import { idPath, Refusal, SANDBOX_ID, verifyAdminToken, type HostStatus } from "@dockyard/contract/server";
import type { LabManager } from "../labs";
import { bearer } from "./auth";

// The admins' routes, for whoever the site gave an admin token (it decides who is an admin):
//
//   GET    /admin/status                  the host's status (HostStatus): labs, the line, memory, CPU, disk, engine
//   POST   /admin/labs/:sandbox/suspend   suspends any lab (everything in it kept; its learner resumes it)
//   DELETE /admin/labs/:sandbox           removes any lab for good (its recordings are kept)

export const ADMIN_PATH = /^\/admin\//;
const LAB_PATH = idPath`/admin/labs/${SANDBOX_ID}(/suspend)?`;

/** The answer to an admin route: [status, body]. */
export async function adminRoute(
  labs: LabManager,
  secret: string,
  req: http.IncomingMessage,
  url: URL,
  /** With several lab-runner replicas, the others' labs added (shards.ts). */
  withPeers: (status: HostStatus) => Promise<HostStatus> = async (status) => status,
): Promise<[number, unknown]> {
  const { admin } = verifyAdminToken(secret, bearer(req));
  if (url.pathname === "/admin/status") {
    if (req.method !== "GET") throw new Refusal("method_not_allowed", `${req.method} is not allowed here.`);
    return [200, await withPeers(await labs.status())];
  }
  const [, id, suspend] = url.pathname.match(LAB_PATH) ?? [];
  if (!id) throw new Refusal("not_found", "No such route.");
  if (req.method === "POST" && suspend) {
    await labs.suspend(id);
    console.log(`[lab-runner] admin ${admin} suspended ${id}`);
    return [200, { suspended: id }];
  }
  if (req.method === "DELETE" && !suspend) {
    await labs.remove(id);
    console.log(`[lab-runner] admin ${admin} removed ${id}`);
    return [200, { removed: id }];
  }
  throw new Refusal("method_not_allowed", `${req.method} is not allowed here.`);
}
