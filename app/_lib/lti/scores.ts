import type { OutboxMessage, Prisma } from "../../_generated/prisma/client";
import { db } from "../db";
import { lessonReport, type LessonReport } from "../evidence";
import { lessonBySlug } from "../lessons";
import { enqueue } from "../outbox/queue";
import type { SendOutcome } from "../outbox/outcome";
import { lineItemOf } from "./lineItems";
import { lti, LtiServiceError, SCOPES } from "./services";

// Assignment and Grade Services: a learner's score on a lesson assigned in an LMS is the graded steps they passed
// out of the lesson's graded steps (as graders see them, app/_lib/evidence.ts), with a comment naming the steps
// still missing. A step newly passed updates the LtiScore of each of the learner's assignments of that lesson and,
// only when the score changed, queues an outbox message; the sender posts the score as it is when it sends (so a
// retry sends the newest score, and a message with a newer one behind it gives way to it), and the outbox retries
// until the LMS accepts it.

export interface Score {
  given: number;
  maximum: number;
  comment: string;
}

/** The score a lesson report comes to, its comment naming the graded steps still missing. */
export function scoreOf(report: LessonReport): Score {
  const missing = report.steps.filter((s) => s.graded && !s.completedAt).map((s) => `“${s.title}”`);
  const passed = `${report.passedSteps} of ${report.gradedSteps} graded steps of “${report.title}” passed`;
  return {
    given: report.passedSteps,
    maximum: report.gradedSteps,
    comment: missing.length === 0 ? `All ${passed}.` : `${passed}. Still missing: ${missing.join(", ")}.`,
  };
}

const targetOf = (assignmentId: string, learnerId: string) => `${assignmentId}/${learnerId}`;

/**
 * After a step of `lessonSlug` is newly passed (in the transaction that records it), or a launch of its assignment: the
 * learner's score on each of their LMS assignments of that lesson, queued for the LMS when it changed (a first score of
 * nothing tells the LMS nothing). A learner without such an assignment costs one query.
 */
export async function queueScores(tx: Prisma.TransactionClient, learnerId: string, lessonSlug: string): Promise<void> {
  const assignments = await tx.ltiAssignment.findMany({
    where: { lessonSlug, context: { cohort: { members: { some: { learnerId, role: "student" } } } } },
    select: { id: true, scores: { where: { learnerId } } },
  });
  if (assignments.length === 0) return;
  const found = lessonBySlug(lessonSlug);
  if (!found || !("lesson" in found)) return;
  const completions = await tx.stepCompletion.findMany({ where: { learnerId, lessonSlug } });
  const score = scoreOf(lessonReport(found.lesson, learnerId, { attempts: [], completions, helps: [] }));
  if (score.maximum === 0) return;
  for (const assignment of assignments) {
    const last = assignment.scores[0];
    if (last ? last.given === score.given && last.maximum === score.maximum && last.comment === score.comment : score.given === 0) continue;
    await tx.ltiScore.upsert({
      where: { assignmentId_learnerId: { assignmentId: assignment.id, learnerId } },
      create: { assignmentId: assignment.id, learnerId, ...score },
      update: { ...score, acceptedAt: null },
    });
    await enqueue(tx, { kind: "lti-score", target: targetOf(assignment.id, learnerId), topic: "score", payload: score });
  }
}

/** How far the learner got, in AGS's words. */
const activityProgress = (score: Score) => (score.given >= score.maximum ? "Completed" : score.given > 0 ? "InProgress" : "Initialized");

/** The outbox's sender of "lti-score" messages: posts the CURRENT score of the message's learner and assignment. */
export async function sendScore(message: OutboxMessage): Promise<SendOutcome> {
  const slash = message.target.indexOf("/");
  const [assignmentId, learnerId] = [message.target.slice(0, slash), message.target.slice(slash + 1)];
  const score = await db.ltiScore.findUnique({
    where: { assignmentId_learnerId: { assignmentId, learnerId } },
    include: { assignment: { include: { context: { include: { platform: true } } } } },
  });
  if (!score) return { accepted: false, abandon: true, response: "The assignment is gone from Dockyard (its LMS course or platform was removed)." };
  // Of a learner's messages still on their way, the newest sends (the current score, which is all the older ones would send).
  const newer = await db.outboxMessage.count({
    where: {
      kind: message.kind,
      target: message.target,
      deliveredAt: null,
      abandonedAt: null,
      OR: [{ createdAt: { gt: message.createdAt } }, { createdAt: message.createdAt, id: { gt: message.id } }],
    },
  });
  if (newer > 0) return { accepted: true, response: "A newer message sends this learner's current score in its place." };
  if (score.acceptedAt) return { accepted: true, response: `The LMS already has this score (${score.given}/${score.maximum}).` };
  const { platform } = score.assignment.context;
  const identity = await db.identity.findFirst({ where: { learnerId, provider: `lti:${platform.id}` }, select: { subject: true } });
  if (!identity) return { accepted: false, abandon: true, response: `The learner has no account at ${platform.name}, so the score has nobody to go to.` };
  try {
    const lineItemUrl = await lineItemOf(score.assignment, score.maximum);
    const url = new URL(lineItemUrl);
    url.pathname = `${url.pathname.replace(/\/$/, "")}/scores`;
    const body = {
      userId: identity.subject,
      scoreGiven: score.given,
      scoreMaximum: score.maximum,
      comment: score.comment,
      activityProgress: activityProgress(score),
      gradingProgress: "FullyGraded",
      timestamp: score.updatedAt.toISOString(),
    };
    const answer = await lti.call(platform, SCOPES.score, url.toString(), {
      method: "POST",
      headers: { "content-type": "application/vnd.ims.lis.v1.score+json" },
      body: JSON.stringify(body),
    });
    const text = (await answer.text()).slice(0, 1000);
    if (!answer.ok)
      return { accepted: false, status: answer.status, response: `${platform.name} did not take the score: HTTP ${answer.status} ${text}`.trim() };
    // Only the score sent is marked accepted: one that changed meanwhile is still on its way (its own message sends it).
    await db.ltiScore.updateMany({
      where: { assignmentId, learnerId, given: score.given, maximum: score.maximum, comment: score.comment, updatedAt: score.updatedAt },
      data: { acceptedAt: new Date() },
    });
    return { accepted: true, status: answer.status, response: `${platform.name} took the score ${score.given}/${score.maximum}. ${text}`.trim() };
  } catch (e) {
    if (e instanceof LtiServiceError) return { accepted: false, status: e.status, response: e.message };
    throw e;
  }
}
