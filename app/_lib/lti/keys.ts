import crypto from "node:crypto";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWK, type JWTPayload } from "jose";
import { db, isUniqueViolation } from "@/app/_lib/db";

// The key pair Dockyard signs with as an LTI tool (Deep Linking responses here; client assertions for the LMS's
// services in services.ts), made at first use and kept in ToolKey; its public half is published at /lti/jwks.
// The newest key signs; every stored key is published, so a key added later (a rotation) never strands a platform
// that cached the old set.

const ALG = "RS256";

interface SigningKey {
  kid: string;
  key: CryptoKey;
}

let signing: Promise<SigningKey> | undefined;

async function makeKey(): Promise<void> {
  const { privateKey, publicKey } = await generateKeyPair(ALG, { extractable: true, modulusLength: 2048 });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const describe = (jwk: JWK) => JSON.stringify({ ...jwk, kid, alg: ALG, use: "sig" });
  try {
    await db.toolKey.create({ data: { kid, privateJwk: describe(await exportJWK(privateKey)), publicJwk: describe(publicJwk) } });
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
  }
}

async function newestKey(): Promise<SigningKey> {
  let row = await db.toolKey.findFirst({ orderBy: [{ createdAt: "desc" }, { kid: "asc" }] });
  if (!row) {
    await makeKey(); // two site processes racing both add one: both are published, the newest signs
    row = await db.toolKey.findFirstOrThrow({ orderBy: [{ createdAt: "desc" }, { kid: "asc" }] });
  }
  return { kid: row.kid, key: (await importJWK(JSON.parse(row.privateJwk) as JWK, ALG)) as CryptoKey };
}

/** The JWKS of every tool key (public halves), made if there is none yet. */
export async function toolJwks(): Promise<{ keys: JWK[] }> {
  await signingKey();
  const rows = await db.toolKey.findMany({ orderBy: { createdAt: "asc" } });
  return { keys: rows.map((row) => JSON.parse(row.publicJwk) as JWK) };
}

function signingKey(): Promise<SigningKey> {
  signing ??= newestKey().catch((e) => {
    signing = undefined; // a database that was down: the next call tries again
    throw e;
  });
  return signing;
}

export interface SignOptions {
  issuer: string;
  audience: string;
  subject?: string;
  ttlSeconds?: number;
}

/** A JWT signed by the tool key (RS256, its kid in the header), with iat, exp and a fresh jti. */
export async function signAsTool(claims: JWTPayload, options: SignOptions): Promise<string> {
  const { kid, key } = await signingKey();
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: ALG, kid, typ: "JWT" })
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setIssuedAt()
    .setExpirationTime(`${options.ttlSeconds ?? 300}s`)
    .setJti(crypto.randomUUID());
  if (options.subject) jwt.setSubject(options.subject);
  return jwt.sign(key);
}
