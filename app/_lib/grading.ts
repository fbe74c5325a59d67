import { db } from "./db";
import { catalog } from "./lessons";
import { roster, type Cohort } from "./cohorts";
import { lessonReport, type EvidenceRows, type LessonReport } from "./evidence";

// A cohort's grades: each student's evidence on each of the cohort's lessons, read in three queries however
// many students there are. For those the access rules let grade the cohort (access.mayGradeCohort).

export interface Student {
  learnerId: string;
  email: string;
}

export interface CohortGrades {
  cohort: Pick<Cohort, "id" | "name" | "dueAt">;
  /** The cohort's lessons in course order (a lesson removed from the course since is left out). */
  lessons: { slug: string; title: string; dueAt: Date }[];
  students: (Student & { lessons: LessonReport[] })[];
}

async function evidenceOf(learnerIds: string[], lessonSlugs: string[]): Promise<EvidenceRows> {
  const where = { learnerId: { in: learnerIds }, lessonSlug: { in: lessonSlugs } };
  const [attempts, completions, helps] = await Promise.all([
    db.checkAttempt.findMany({ where, orderBy: { id: "asc" } }),
    db.stepCompletion.findMany({ where }),
    db.helpUse.findMany({ where }),
  ]);
  return { attempts, completions, helps };
}

function cohortLessons(cohort: Cohort) {
  const due = new Map(cohort.lessons.map((l) => [l.slug, l.dueAt]));
  return catalog()
    .lessons.filter((l) => due.has(l.slug))
    .map((lesson) => ({ lesson, dueAt: due.get(lesson.slug)! }));
}

/** Every student of the cohort (optionally one), with their report on every lesson of the cohort. */
export async function cohortGrades(cohort: Cohort, onlyLearnerId?: string, now = new Date()): Promise<CohortGrades> {
  const lessons = cohortLessons(cohort);
  const students = (await roster(cohort.id))
    .filter((m) => m.membership === "student" && (onlyLearnerId === undefined || m.learnerId === onlyLearnerId))
    .map(({ learnerId, email }) => ({ learnerId, email }));
  const rows = await evidenceOf(
    students.map((s) => s.learnerId),
    lessons.map((l) => l.lesson.slug),
  );
  return {
    cohort: { id: cohort.id, name: cohort.name, dueAt: cohort.dueAt },
    lessons: lessons.map(({ lesson, dueAt }) => ({ slug: lesson.slug, title: lesson.title, dueAt })),
    students: students.map((s) => ({ ...s, lessons: lessons.map(({ lesson, dueAt }) => lessonReport(lesson, s.learnerId, rows, dueAt, now)) })),
  };
}
