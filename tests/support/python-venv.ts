import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

// Python programs the tests run as independently written counterparts (an LTI platform, a Standard Webhooks
// receiver) get their packages from PyPI into a virtual environment cached under /var/lib/dockyard, keyed by
// the requirements: a fresh machine builds it once (under a minute), later runs reuse it.

const ROOT = process.env.DOCKYARD_VENV_DIR ?? "/var/lib/dockyard/venvs";

/** The python of a virtual environment holding `requirements` (pip specifiers, e.g. "lti1p3platform==0.1.8"). */
export function pythonWith(name: string, requirements: string[]): string {
  const key = createHash("sha256").update(requirements.join("\n")).digest("hex").slice(0, 12);
  const dir = path.join(ROOT, `${name}-${key}`);
  const python = path.join(dir, "bin", "python");
  const complete = path.join(dir, ".complete");
  if (existsSync(complete)) return python;
  // Half a venv (an install that died) is rebuilt from nothing.
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(ROOT, { recursive: true });
  execFileSync("python3", ["-m", "venv", dir], { stdio: "inherit" });
  execFileSync(python, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", ...requirements], { stdio: "inherit" });
  writeFileSync(complete, requirements.join("\n") + "\n");
  return python;
}
