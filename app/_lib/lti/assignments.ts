import crypto from "node:crypto";
import { isGraded, Refusal, type Lesson } from "@dockyard/contract/server";
import { db } from "@/app/_lib/db";
import { lessonBySlug } from "@/app/_lib/lessons";
import type { LtiLaunch } from "./claims";

// Lessons assigned in an LMS course (LtiAssignment): made when an instructor picks them by Deep Linking (or at the
// first launch of a link whose custom parameter `lesson` was set by hand), and told their LMS resource link and
// line item at launch. Each is also a lesson of the course's cohort, so the cohort's pages and grades show it.

/** A catalog lesson by slug, or a plain refusal naming it. */
export function catalogLesson(slug: string): Lesson {
  const found = lessonBySlug(slug);
  if (found && "lesson" in found) return found.lesson;
  throw new Refusal("unknown_lesson", `This link opens the lesson “${slug}”, which this Dockyard does not have. Ask your instructor to pick the lesson again.`);
}

/** Graded steps of a lesson: its score's maximum. */
export const gradedSteps = (lesson: Lesson) => lesson.steps.filter(isGraded).length;

async function assign(platformId: string, contextId: string, slug: string, link: { resourceLinkId?: string; lineItemUrl?: string } = {}): Promise<void> {
  const context = await db.ltiContext.findUnique({ where: { platformId_contextId: { platformId, contextId } }, select: { cohortId: true } });
  if (!context) return;
  const seen = { ...(link.resourceLinkId && { resourceLinkId: link.resourceLinkId }), ...(link.lineItemUrl && { lineItemUrl: link.lineItemUrl }) };
  await db.ltiAssignment.upsert({
    where: { platformId_contextId_lessonSlug: { platformId, contextId, lessonSlug: slug } },
    create: { id: crypto.randomUUID(), platformId, contextId, lessonSlug: slug, ...seen },
    update: seen,
  });
  await db.cohortLesson.upsert({
    where: { cohortId_lessonSlug: { cohortId: context.cohortId, lessonSlug: slug } },
    create: { cohortId: context.cohortId, lessonSlug: slug },
    update: {},
  });
}

/** The lessons an instructor picked by Deep Linking become assignments of the course. */
export async function assignLessons(platformId: string, contextId: string, slugs: string[]): Promise<void> {
  for (const slug of slugs) await assign(platformId, contextId, slug);
}

/**
 * The lesson a resource link launch opens: the link's custom `lesson`, else the assignment this link was seen on
 * before; undefined when it names none. The assignment learns the link's id and line item.
 */
export async function lessonOfLink(platformId: string, launch: LtiLaunch): Promise<Lesson | undefined> {
  const slug =
    launch.custom.lesson ??
    (launch.resourceLinkId &&
      (await db.ltiAssignment.findFirst({ where: { platformId, resourceLinkId: launch.resourceLinkId }, select: { lessonSlug: true } }))?.lessonSlug);
  if (!slug) return undefined;
  const lesson = catalogLesson(slug);
  if (launch.context) await assign(platformId, launch.context.id, slug, { resourceLinkId: launch.resourceLinkId, lineItemUrl: launch.lineItemUrl });
  return lesson;
}

/** The lessons assigned in the LMS course whose cohort this is (none for a cohort made in Dockyard). */
export async function assignedLessons(cohortId: string): Promise<Set<string>> {
  const rows = await db.ltiAssignment.findMany({ where: { context: { cohortId } }, select: { lessonSlug: true } });
  return new Set(rows.map((r) => r.lessonSlug));
}
