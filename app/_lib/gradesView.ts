import type { AttemptCounts, LessonReport } from "./evidence";
import type { CohortGrades } from "./grading";

// How the grades pages present the evidence: the matrix's colour bands and its sort (kept in the URL as
// ?sort=…, so headers are plain links that work without script), and the wording of the check counts. Pure.

type Student = CohortGrades["students"][number];

/** A share of graded steps passed, in five bands from none to all. */
export const BANDS = [
  { id: "none", label: "none", className: "bg-white text-slate-600" },
  { id: "low", label: "under a third", className: "bg-emerald-100 text-emerald-950" },
  { id: "mid", label: "a third to two thirds", className: "bg-emerald-300 text-emerald-950" },
  { id: "high", label: "over two thirds", className: "bg-emerald-500 text-emerald-950" },
  { id: "all", label: "all", className: "bg-emerald-800 text-white" },
] as const;
export type Band = (typeof BANDS)[number];

export const share = (passed: number, graded: number) => (graded === 0 ? 0 : passed / graded);

export function bandOf(passed: number, graded: number): Band {
  const s = share(passed, graded);
  if (passed === 0) return BANDS[0];
  if (s >= 1) return BANDS[4];
  return s > 2 / 3 ? BANDS[3] : s >= 1 / 3 ? BANDS[2] : BANDS[1];
}

/** Graded steps passed over all of a student's lessons, as a share. */
export const progressOf = (lessons: LessonReport[]) =>
  share(
    lessons.reduce((n, l) => n + l.passedSteps, 0),
    lessons.reduce((n, l) => n + l.gradedSteps, 0),
  );

export type SortKey = { by: "student" } | { by: "progress" } | { by: "lesson"; slug: string };
export interface Sort {
  key: SortKey;
  descending: boolean;
}

/** ?sort=student, progress or lesson:<slug>, a leading "-" for descending; anything else sorts by student. */
export function parseSort(param: string | string[] | undefined, lessonSlugs: string[]): Sort {
  const raw = typeof param === "string" ? param : "";
  const descending = raw.startsWith("-");
  const name = descending ? raw.slice(1) : raw;
  if (name === "progress") return { key: { by: "progress" }, descending };
  if (name.startsWith("lesson:") && lessonSlugs.includes(name.slice(7))) return { key: { by: "lesson", slug: name.slice(7) }, descending };
  return { key: { by: "student" }, descending: name === "student" && descending };
}

export const sortParam = ({ key, descending }: Sort) => `${descending ? "-" : ""}${key.by === "lesson" ? `lesson:${key.slug}` : key.by}`;

export const sameKey = (a: SortKey, b: SortKey) => a.by === b.by && (a.by !== "lesson" || (b.by === "lesson" && a.slug === b.slug));

/** The sort a header's link asks for: the other direction when it is the current sort, else ascending. */
export const toggled = (current: Sort, key: SortKey): Sort => ({ key, descending: sameKey(current.key, key) && !current.descending });

/** Students in the order asked; ties (and the student order itself) by email, ascending whichever the direction. */
export function sortStudents<S extends Student>(students: S[], sort: Sort): S[] {
  const value = (s: S): number => {
    if (sort.key.by === "progress") return progressOf(s.lessons);
    const slug = sort.key.by === "lesson" ? sort.key.slug : "";
    const lesson = s.lessons.find((l) => l.slug === slug);
    return lesson ? share(lesson.passedSteps, lesson.gradedSteps) : 0;
  };
  const byEmail = (a: S, b: S) => a.email.localeCompare(b.email);
  return [...students].sort((a, b) => {
    if (sort.key.by === "student") return sort.descending ? byEmail(b, a) : byEmail(a, b);
    const d = value(a) - value(b);
    return d !== 0 ? (sort.descending ? -d : d) : byEmail(a, b);
  });
}

const plural = (n: number, one: string) => `${n} ${n === 1 ? one : `${one}s`}`;

/** "1 check asked, 6 automatic", or "2 answers" for a quiz; and the checks from before the two were told apart. */
export function checksSummary(counts: AttemptCounts, quiz = false): string {
  const told = quiz ? plural(counts.asked, "answer") : `${plural(counts.asked, "check")} asked, ${counts.automatic} automatic`;
  return counts.unknown ? `${told}, ${counts.unknown} not told apart` : told;
}
