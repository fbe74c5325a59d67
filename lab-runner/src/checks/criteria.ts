import type { CriterionResult } from "@dockyard/contract";

// Building blocks the judges share: criterion results, quoting, and comparisons of labels and ports.

export const criterion = (name: string, passed: boolean, message: string): CriterionResult => ({ name, passed, message });

export const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** A learner's text inside a message: one line, shortened. */
export function quote(text: string, max = 80): string {
  const flat = text.trim().replace(/\s+/g, " ");
  return flat.length > max ? `“${flat.slice(0, max - 3)}…”` : `“${flat}”`;
}

/** "80/tcp" is said "80"; other protocols are kept. */
export const showPort = (port: string) => port.replace(/\/tcp$/, "");

/** Engine API calls answer 404 for what does not exist: that is an answer here, not a failure. */
export async function unlessMissing<T>(request: Promise<T>): Promise<T | undefined> {
  try {
    return await request;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
}

/** One criterion per wanted label; `subject` starts the sentence ("the image app:latest"). */
export function labelCriteria(subject: string, actual: Record<string, string> | null | undefined, wanted: Record<string, string>): CriterionResult[] {
  return Object.entries(wanted).map(([key, value]) => {
    const found = actual?.[key];
    return criterion(
      `label ${key}=${value}`,
      found === value,
      found === value
        ? `${capitalize(subject)} has the label ${key}=${value}.`
        : found === undefined
          ? `${capitalize(subject)} has no label “${key}”; it should be ${key}=${value}.`
          : `${capitalize(subject)} has the label ${key}=${found}, not ${key}=${value}.`,
    );
  });
}

/** A command line as the Engine API stores it (exec form), for messages. */
export const showCommandLine = (argv: string[] | null | undefined) => (argv?.length ? JSON.stringify(argv) : "not set");

/**
 * Whether an image's Cmd or Entrypoint is what the lesson asks: a list is the exact exec form; a string
 * is the shell form (["/bin/sh", "-c", string]) or the exec form joined by spaces.
 */
export function sameCommandLine(wanted: string | string[], actual: string[] | null | undefined): boolean {
  if (!actual?.length) return false;
  if (Array.isArray(wanted)) return wanted.length === actual.length && wanted.every((arg, i) => arg === actual[i]);
  const flat = (s: string) => s.trim().replace(/\s+/g, " ");
  const shellForm = actual.length === 3 && actual[0] === "/bin/sh" && actual[1] === "-c" ? actual[2]! : undefined;
  return flat(actual.join(" ")) === flat(wanted) || (shellForm !== undefined && flat(shellForm) === flat(wanted));
}

/** Bytes as Docker shows sizes (powers of 1000). */
export function showBytes(bytes: number): string {
  const units = ["B", "kB", "MB", "GB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit ? value.toFixed(1) : value} ${units[unit]}`;
}

/** Whether a named volume or network is there as the check wants (`exists: false` asks for it to be gone). */
export function existence(kind: "volume" | "network", name: string, found: boolean, wanted: boolean): CriterionResult[] {
  if (!wanted)
    return [
      found
        ? criterion(`no ${kind} ${name}`, false, `The ${kind} “${name}” still exists; remove it with docker ${kind} rm ${name}.`)
        : criterion(`no ${kind} ${name}`, true, `There is no ${kind} “${name}”.`),
    ];
  return [
    found ? criterion(`${kind} exists`, true, `The ${kind} “${name}” exists.`) : criterion(`${kind} exists`, false, `No ${kind} named “${name}” exists yet.`),
  ];
}
