import crypto from "node:crypto";
import { db, isUniqueViolation } from "./db";
import { isRole, type Account, type Role } from "./access";
import { normalizeEmail } from "./passwords";

// Who a person signing in through another system is, here: one place for OpenID Connect (app/_lib/oidc/) and LTI
// launches. An Identity row ties a provider's stable subject to a learner. The first time a subject comes, it is
// linked to the account that has the same email, but only when the provider says it verified that email (else
// anyone who can type an address at some provider would get its account); without such an account a new student
// account is made. A provider that gives no verified email gets a learner without an email: not an account, and
// signed in the way an anonymous learner is (see startLearnerSession in app/_lib/session.ts).

export interface ProviderIdentity {
  /** "oidc:<issuer>" or "lti:<LtiPlatform.id>": whose subjects these are. */
  provider: string;
  /** The provider's stable id of the person (`sub`). */
  subject: string;
  email?: string | null;
  /** Whether the provider vouches that the person owns `email` (OIDC `email_verified`). */
  emailVerified?: boolean;
  /** The role the provider asserts, set on every sign-in; undefined leaves the learner's role as it is. Never changes an admin. */
  role?: Exclude<Role, "admin">;
}

export interface SignedInIdentity {
  learnerId: string;
  /** Undefined for a learner without an email (a provider that gave no verified one): not an account. */
  account?: Account;
  /** known: the subject was seen before; linked: tied now to the account with its verified email; created: a new learner. */
  outcome: "known" | "linked" | "created";
}

export type IdentityErrorCode = "identity_conflict";

export class IdentityError extends Error {
  constructor(
    readonly code: IdentityErrorCode,
    message: string,
  ) {
    super(message);
  }
}

interface LearnerRow {
  id: string;
  email: string | null;
  role: string;
}

const roleOf = (row: LearnerRow): Role => (isRole(row.role) ? row.role : "student");

async function withRole(row: LearnerRow, role: ProviderIdentity["role"]): Promise<LearnerRow> {
  if (!role || row.role === role || row.role === "admin") return row;
  await db.learner.update({ where: { id: row.id }, data: { role } });
  return { ...row, role };
}

function signedIn(row: LearnerRow, outcome: SignedInIdentity["outcome"]): SignedInIdentity {
  return { learnerId: row.id, ...(row.email && { account: { id: row.id, email: row.email, role: roleOf(row) } }), outcome };
}

/** The learner the new identity becomes: `anonymous` (this browser's learner, progress and all) while it is neither an account nor anyone's identity. */
async function newLearner(identity: ProviderIdentity, email: string | null, anonymous: string | undefined): Promise<LearnerRow> {
  const role = identity.role ?? "student";
  return db.$transaction(async (tx) => {
    const link = (learnerId: string) =>
      tx.identity.create({ data: { provider: identity.provider, subject: identity.subject, learnerId, email: identity.email ?? null } });
    if (anonymous) {
      const { count } = await tx.learner.updateMany({ where: { id: anonymous, email: null, identities: { none: {} } }, data: { email, role } });
      const exists = count > 0 || !!(await tx.learner.findUnique({ where: { id: anonymous }, select: { id: true } }));
      if (!exists) await tx.learner.create({ data: { id: anonymous, email, role } });
      if (count > 0 || !exists) {
        await link(anonymous);
        return { id: anonymous, email, role };
      }
    }
    const row = await tx.learner.create({ data: { id: crypto.randomUUID(), email, role } });
    await link(row.id);
    return row;
  });
}

async function signInOnce(identity: ProviderIdentity, anonymous: string | undefined, now: Date): Promise<SignedInIdentity> {
  const key = { provider_subject: { provider: identity.provider, subject: identity.subject } };
  const known = await db.identity.findUnique({ where: key, include: { learner: true } });
  if (known) {
    await db.identity.update({ where: key, data: { lastSeenAt: now, email: identity.email ?? null } });
    return signedIn(await withRole(known.learner, identity.role), "known");
  }
  const email = identity.email && identity.emailVerified ? normalizeEmail(identity.email) : null;
  const holder = email ? await db.learner.findUnique({ where: { email }, include: { identities: { where: { provider: identity.provider } } } }) : null;
  if (holder) {
    // The provider gave this email to someone else before (a reused address): the account stays with the first.
    if (holder.identities.length > 0)
      throw new IdentityError(
        "identity_conflict",
        `The Dockyard account of ${email} is already linked to another person at this sign-in provider, so it was not opened. Ask an admin of Dockyard to check the account.`,
      );
    await db.identity.create({ data: { provider: identity.provider, subject: identity.subject, learnerId: holder.id, email: identity.email ?? null } });
    return signedIn(await withRole(holder, identity.role), "linked");
  }
  return signedIn(await newLearner(identity, email, anonymous), "created");
}

/**
 * Signs in the person a provider vouches for: the learner of their identity, else the account with their verified
 * email (linked now), else a new student (`anonymous`, the browser's anonymous learner, becomes it when it can).
 * Two first sign-ins racing for one subject or email end on the same learner.
 */
export async function signInIdentity(identity: ProviderIdentity, options: { anonymous?: string; now?: Date } = {}): Promise<SignedInIdentity> {
  const now = options.now ?? new Date();
  try {
    return await signInOnce(identity, options.anonymous, now);
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
    return signInOnce(identity, undefined, now); // another request made the identity or the account first: use it
  }
}
