import crypto from "node:crypto";
import { adminEmail, adminPassword } from "@dockyard/contract/server";
import { accountByEmail, AccountError, setRole, signUp } from "../app/_lib/accounts";
import { normalizeEmail } from "../app/_lib/passwords";

// Run by scripts/setup.sh: makes sure the site has its admin. The account is DOCKYARD_ADMIN_EMAIL's (default
// admin@localhost); when it is created, its password is DOCKYARD_ADMIN_PASSWORD or, without one, a generated
// password printed this once. An existing account of that email is made an admin and keeps its password.

const email = normalizeEmail(adminEmail());
const existing = await accountByEmail(email);
if (existing) {
  if (existing.role !== "admin") await setRole(existing.id, "admin");
  console.log(`[admin] ${email} is an admin (password unchanged).`);
} else {
  const given = adminPassword();
  const password = given || crypto.randomBytes(15).toString("base64url");
  try {
    await signUp(crypto.randomUUID(), email, password, "admin");
  } catch (e) {
    if (!(e instanceof AccountError)) throw e;
    console.error(`[admin] cannot create ${email}: ${e.message}`);
    process.exit(1);
  }
  console.log(
    given
      ? `[admin] created ${email} with the password in DOCKYARD_ADMIN_PASSWORD.`
      : `[admin] created ${email} with the password ${password}\n[admin] it is shown only this once: sign in and keep it somewhere safe.`,
  );
}
process.exit(0);
