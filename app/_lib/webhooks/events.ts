import { isGraded, type CheckResult, type Lesson } from "@dockyard/contract/server";
import { enqueue, type Queryable } from "../outbox/queue";
import { lessonBySlug } from "../lessons";

// What happened to a learner's progress, told to the webhook endpoints that want it: recordEvent queues one outbox
// message per endpoint in the caller's transaction, the one that records the progress, so an event is sent exactly
// when its progress is kept. The endpoints are the site's own and those of the learner's cohorts (as a student) that
// have the lesson: a cohort's endpoint hears of its lessons only, what its students do elsewhere stays theirs.
// README "Webhooks" documents the payloads.

export const EVENT_TYPES = ["lab.started", "check.attempted", "step.passed", "lesson.completed", "hint.revealed", "solution.revealed"] as const;
export type EventType = (typeof EVENT_TYPES)[number];
/** Sent by "Send test event" only, to every endpoint whatever its events. */
export const TEST_EVENT = "webhook.test";

export const isEventType = (value: string): value is EventType => (EVENT_TYPES as readonly string[]).includes(value);

/** What happened, before it is told: who, in which lesson and step, and what the event type adds. */
export type ProgressEvent =
  | { type: "lab.started" | "lesson.completed"; learnerId: string; lessonSlug: string }
  | { type: "step.passed" | "solution.revealed"; learnerId: string; lessonSlug: string; stepId: string }
  | { type: "check.attempted"; learnerId: string; lessonSlug: string; stepId: string; result: CheckResult; origin: string }
  | { type: "hint.revealed"; learnerId: string; lessonSlug: string; stepId: string; hint: number };

/** A webhook's JSON body: the event type, when it happened and its data. */
export interface EventBody {
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
}

/** The endpoint's event list (JSON, [] for all) as stored. */
export const endpointEvents = (events: string): EventType[] => (JSON.parse(events) as string[]).filter(isEventType);

/** Whether an endpoint with this event list wants this type. */
export const wants = (events: string, type: string) => {
  const wanted = endpointEvents(events);
  return wanted.length === 0 || (wanted as string[]).includes(type);
};

interface Facts {
  email: string | null;
  lesson?: Lesson;
  cohortIds: string[];
}

/** The event's body: who (learner id, email if an account), which lesson (slug, title), step (id, title), cohorts, and the event's own data. */
export function eventBody(event: ProgressEvent, facts: Facts, at: Date): EventBody {
  const lesson = { slug: event.lessonSlug, title: facts.lesson?.title ?? event.lessonSlug };
  const data: Record<string, unknown> = { learner: { id: event.learnerId, email: facts.email }, lesson, cohortIds: facts.cohortIds };
  if ("stepId" in event) {
    const step = facts.lesson?.steps.find((s) => s.id === event.stepId);
    data.step = { id: event.stepId, title: step?.title ?? event.stepId };
  }
  if (event.type === "check.attempted") {
    const { passed, message, criteria } = event.result;
    data.result = { passed, message, criteria };
    data.origin = event.origin;
  }
  if (event.type === "hint.revealed") data.hint = { index: event.hint, of: facts.lesson?.steps.find((s) => s.id === event.stepId)?.hints ?? null };
  if (event.type === "lesson.completed") data.gradedSteps = facts.lesson?.steps.filter(isGraded).length ?? null;
  return { type: event.type, timestamp: at.toISOString(), data };
}

const lessonOf = (slug: string) => {
  const found = lessonBySlug(slug);
  return found && "lesson" in found ? found.lesson : undefined;
};

/** Queues the event for every enabled endpoint that wants it, in `tx`; returns how many deliveries were queued. */
export async function recordEvent(tx: Queryable, event: ProgressEvent, at = new Date()): Promise<number> {
  const [learner, memberships] = await Promise.all([
    tx.learner.findUnique({ where: { id: event.learnerId }, select: { email: true } }),
    tx.cohortMember.findMany({
      where: { learnerId: event.learnerId, role: "student", cohort: { lessons: { some: { lessonSlug: event.lessonSlug } } } },
      select: { cohortId: true },
      orderBy: { cohortId: "asc" },
    }),
  ]);
  const cohortIds = memberships.map((m) => m.cohortId);
  const endpoints = await tx.webhookEndpoint.findMany({
    where: { disabledAt: null, OR: [{ cohortId: null }, { cohortId: { in: cohortIds } }] },
    select: { id: true, events: true },
  });
  const targets = endpoints.filter((e) => wants(e.events, event.type));
  if (targets.length === 0) return 0;
  const body = eventBody(event, { email: learner?.email ?? null, lesson: lessonOf(event.lessonSlug), cohortIds }, at);
  for (const endpoint of targets) await enqueue(tx, { kind: "webhook", target: endpoint.id, topic: event.type, payload: body });
  return targets.length;
}
