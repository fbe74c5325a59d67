import type http from "node:http";
import { TokenRejected, verifyLabToken, type LabClaims, sandboxIdFor } from "@dockyard/contract/server";

/** A token is good for a sandbox only if it was issued for exactly that learner's sandbox of that lesson. */
export function authorize(secret: string, token: string | null | undefined, sandboxId: string): LabClaims {
  const claims = verifyLabToken(secret, token, sandboxId);
  if (sandboxIdFor(claims.learner, claims.lesson) !== sandboxId) throw new TokenRejected("wrong_sandbox");
  return claims;
}

export const bearer = (req: http.IncomingMessage) => req.headers.authorization?.match(/^Bearer (\S+)$/)?.[1];
