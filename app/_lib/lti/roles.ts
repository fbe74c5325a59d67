import type { Role } from "@/app/_lib/access";

// LTI context roles (LIS vocabulary, LTI Core §A.2) → Dockyard: Instructor → instructor (and the class's owner or a
// grader of it, contexts.ts), TeachingAssistant → grader, anyone else in the course (Learner, Mentor, …) → student.
// Only context (membership) roles count; institution and system roles say nothing about this course.

export type CourseRole = "instructor" | "grader" | "student";

const MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership";

/** A role URI's name when it is a context role, e.g. "Instructor" or "Instructor#TeachingAssistant"; short names (deprecated) as they are. */
function contextRole(uri: string): string | undefined {
  if (uri.startsWith(MEMBERSHIP + "#")) return uri.slice(MEMBERSHIP.length + 1);
  if (uri.startsWith(MEMBERSHIP + "/")) return uri.slice(MEMBERSHIP.length + 1);
  return uri.includes(":") ? undefined : uri;
}

/**
 * The person's role in the course. A teaching assistant is a grader even when the LMS also calls them an Instructor
 * (Canvas sends both for a TA); any other Instructor sub-role (Lecturer, PrimaryInstructor, …) is an instructor.
 */
export function courseRole(roles: string[]): CourseRole {
  const names = roles.map(contextRole).filter((n): n is string => n !== undefined);
  if (names.some((n) => n === "TeachingAssistant" || n.endsWith("#TeachingAssistant"))) return "grader";
  if (names.some((n) => n === "Instructor" || n.startsWith("Instructor#"))) return "instructor";
  return "student";
}

const RANK: Record<Role, number> = { student: 0, grader: 1, instructor: 2, admin: 3 };

/** The account's role after a launch: raised to what the course says, never lowered (an admin stays an admin). */
export const raisedRole = (current: Role, course: CourseRole): Role => (RANK[course] > RANK[current] ? course : current);
