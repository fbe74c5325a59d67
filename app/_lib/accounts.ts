import crypto from "node:crypto";
import { db, isUniqueViolation } from "./db";
import { isRole, type Account, type Role } from "./access";
import { ACCOUNT_SESSION_DAYS } from "./sessionCookie";
import { emailProblem, hashPassword, normalizeEmail, passwordMatches, passwordProblem } from "./passwords";

// Accounts and their sessions. An account is a Learner row with an email and a password hash, so a learner who
// signs up keeps the progress they made anonymously.

export type AccountErrorCode = "bad_email" | "weak_password" | "email_taken" | "unavailable" | "already_account";

/** The sign-up form's answer for an email that has an account and another password; it does not say the email has one. */
export const SIGN_UP_REFUSED =
  "No account was made with this email and password. If you already have an account, sign in with its password; if not, use another email.";

export class AccountError extends Error {
  constructor(
    readonly code: AccountErrorCode,
    message: string,
  ) {
    super(message);
  }
}

function toAccount(row: { id: string; email: string | null; role: string }): Account | undefined {
  if (!row.email) return undefined;
  return { id: row.id, email: row.email, role: isRole(row.role) ? row.role : "student" };
}

/** Why this email and new password cannot make an account, whoever has one (bad email, weak password). */
export function newAccountProblem(email: string, password: string): AccountError | undefined {
  const emailIssue = emailProblem(email);
  if (emailIssue) return new AccountError("bad_email", emailIssue);
  const weak = passwordProblem(password, email);
  if (weak) return new AccountError("weak_password", weak);
  return undefined;
}

/**
 * Makes learner `learnerId` the account (email already normalized, password hashed): their anonymous row becomes it
 * (keeping their progress), or a new row is made when they have none yet. Throws `taken()` if another row got the email first.
 */
async function createAccount(learnerId: string, email: string, passwordHash: string, role: Role, taken: () => AccountError): Promise<Account> {
  try {
    // Only a row that is still anonymous turns into the account: two sign-ups racing on one learner make one account.
    const { count } = await db.learner.updateMany({ where: { id: learnerId, email: null }, data: { email, passwordHash, role } });
    if (count === 0) {
      if (await db.learner.findUnique({ where: { id: learnerId }, select: { id: true } }))
        throw new AccountError("already_account", "You already have an account: sign out first to make another.");
      await db.learner.create({ data: { id: learnerId, email, passwordHash, role } });
    }
  } catch (e) {
    if (isUniqueViolation(e)) throw taken();
    throw e;
  }
  return { id: learnerId, email, role };
}

/**
 * Makes learner `learnerId` an account, for scripts/create-admin.ts and tests (the sign-up form uses
 * signUpOrSignIn). Throws AccountError with a message, one that names an email already taken.
 */
export async function signUp(learnerId: string, rawEmail: string, password: string, role: Role = "student"): Promise<Account> {
  const email = normalizeEmail(rawEmail);
  const problem = newAccountProblem(email, password);
  if (problem) throw problem;
  const taken = () => new AccountError("email_taken", `An account already uses ${email}. Sign in instead, or use another email.`);
  if (await db.learner.findUnique({ where: { email }, select: { id: true } })) throw taken();
  return createAccount(learnerId, email, await hashPassword(password), role, taken);
}

/**
 * The sign-up form: an email nobody uses becomes learner `learnerId`'s account; an email with an account and its
 * right password opens that account (the visitor who forgot they had one is simply signed in); any other password
 * is refused with a message that does not say whether the email has an account. Both bcrypt operations (checking
 * a password, hashing the new one) run whatever the email, so a taken email answers in about the time a free one
 * does. That a new email succeeds still tells it was free: without sending mail nothing can hide that, which is why
 * app/_actions/account.ts limits sign-ups per address and counts a refused one as a failed sign-in of the account.
 */
export async function signUpOrSignIn(learnerId: string, rawEmail: string, password: string): Promise<Account> {
  const email = normalizeEmail(rawEmail);
  const problem = newAccountProblem(email, password);
  if (problem) throw problem;
  const unavailable = () => new AccountError("unavailable", SIGN_UP_REFUSED);
  const row = await db.learner.findUnique({ where: { email } });
  const matches = await passwordMatches(password, row?.passwordHash);
  const passwordHash = await hashPassword(password);
  if (row) {
    if (matches) return toAccount(row)!;
    throw unavailable();
  }
  return createAccount(learnerId, email, passwordHash, "student", unavailable);
}

/** The account these credentials open, or undefined (the same for an unknown email and a wrong password). */
export async function checkCredentials(rawEmail: string, password: string): Promise<Account | undefined> {
  const row = await db.learner.findUnique({ where: { email: normalizeEmail(rawEmail) } });
  if (!(await passwordMatches(password, row?.passwordHash))) return undefined;
  return row ? toAccount(row) : undefined;
}

export async function accountByEmail(rawEmail: string): Promise<Account | undefined> {
  const row = await db.learner.findUnique({ where: { email: normalizeEmail(rawEmail) } });
  return row ? toAccount(row) : undefined;
}

export async function accountById(id: string): Promise<Account | undefined> {
  const row = await db.learner.findUnique({ where: { id } });
  return row ? toAccount(row) : undefined;
}

/** A new session for the account (its id goes into the cookie); the account's expired ones are cleared away. */
export async function startSession(learnerId: string, now = new Date()): Promise<string> {
  const id = crypto.randomBytes(32).toString("base64url");
  await db.$transaction([
    db.session.deleteMany({ where: { learnerId, expiresAt: { lte: now } } }),
    db.session.create({ data: { id, learnerId, expiresAt: new Date(now.getTime() + ACCOUNT_SESSION_DAYS * 86_400_000) } }),
  ]);
  return id;
}

export async function endSession(sessionId: string): Promise<void> {
  await db.session.deleteMany({ where: { id: sessionId } });
}

export async function accountOfSession(learnerId: string, sessionId: string, now = new Date()): Promise<Account | undefined> {
  const session = await db.session.findUnique({ where: { id: sessionId }, include: { learner: true } });
  if (!session || session.learnerId !== learnerId || session.expiresAt <= now) return undefined;
  return toAccount(session.learner);
}

export async function isAccount(learnerId: string): Promise<boolean> {
  return !!(await db.learner.findFirst({ where: { id: learnerId, email: { not: null } }, select: { id: true } }));
}

/** Every account, for the admin page. */
export async function allAccounts(): Promise<(Account & { createdAt: Date })[]> {
  const rows = await db.learner.findMany({ where: { email: { not: null } }, orderBy: { email: "asc" } });
  return rows.map((row) => ({ ...toAccount(row)!, createdAt: row.createdAt }));
}

export const countAdmins = () => db.learner.count({ where: { role: "admin", email: { not: null } } });

export async function setRole(learnerId: string, role: Role): Promise<void> {
  await db.learner.update({ where: { id: learnerId }, data: { role } });
}
