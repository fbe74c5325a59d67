// What a form's server action answers, and reading what was submitted.

/** An error (with the field it concerns, focused for the user), or a notice of what was done; `values` refill the form. */
export type FormState = { error?: string; field?: string; notice?: string; values?: Record<string, string> } | undefined;

export type FormAction = (state: FormState, form: FormData) => Promise<FormState>;

/** A submitted text field, trimmed ("" when absent). */
export function formText(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === "string" ? value.trim() : "";
}

/** A path on this site to go to after signing in, or undefined for anything that could lead elsewhere. */
export function localPath(value: string | undefined): string | undefined {
  if (!value || !value.startsWith("/") || value.startsWith("//") || value.includes("\\")) return undefined;
  return value;
}

/** The new-cohort form's fields for a catalog lesson: whether it is chosen, and its own due day. */
export const cohortLessonField = (slug: string) => `lesson:${slug}`;
export const cohortLessonDueField = (slug: string) => `dueOn:${slug}`;
