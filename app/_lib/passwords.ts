import bcrypt from "bcryptjs";

// Email and password rules, and password hashing (bcrypt, pure JavaScript).

const BCRYPT_COST = 12;
export const PASSWORD_MIN_LENGTH = 10;
/** bcrypt reads no further than 72 bytes: a longer password would be cut silently. */
const PASSWORD_MAX_BYTES = 72;
const EMAIL_MAX_LENGTH = 254;

/** Emails are compared lower-cased and without surrounding spaces. */
export const normalizeEmail = (email: string) => email.trim().toLowerCase();

export function emailProblem(email: string): string | undefined {
  if (!email) return "Enter your email address.";
  if (email.length > EMAIL_MAX_LENGTH || !/^[^\s@]+@[^\s@]+$/.test(email)) return "Enter an email address like ada@example.com.";
  return undefined;
}

/** Why a new password is too weak, or undefined when it will do. */
export function passwordProblem(password: string, email: string): string | undefined {
  if (password.length < PASSWORD_MIN_LENGTH) return `Choose a password of at least ${PASSWORD_MIN_LENGTH} characters.`;
  if (Buffer.byteLength(password) > PASSWORD_MAX_BYTES) return `Choose a password of at most ${PASSWORD_MAX_BYTES} bytes (about as many letters).`;
  if (new Set(password).size < 5) return "Choose a password with more different characters.";
  const lowered = password.toLowerCase();
  if (lowered === email || lowered === email.split("@")[0]) return "Choose a password that is not your email address.";
  return undefined;
}

export const hashPassword = (password: string) => bcrypt.hash(password, BCRYPT_COST);

// Compared against when the email is unknown, so that a wrong email takes as long as a wrong password.
let unknownAccountHash: Promise<string> | undefined;

/** Whether the password is the one hashed; with no hash (no such account) it takes as long and says no. */
export async function passwordMatches(password: string, hash: string | null | undefined): Promise<boolean> {
  const matches = await bcrypt.compare(password, hash ?? (await (unknownAccountHash ??= hashPassword("no account has this password"))));
  return matches && !!hash;
}
