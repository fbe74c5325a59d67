import type { OutboxMessage } from "../../_generated/prisma/client";
import { db } from "../db";
import { signInIdentity } from "../identities";
import { enqueue } from "../outbox/queue";
import type { SendOutcome } from "../outbox/outcome";
import { joinCourseCohort, raiseRole } from "./contexts";
import { courseRole } from "./roles";
import { lti, LtiServiceError, SCOPES } from "./services";

// Names and Role Provisioning: the LMS course's roster fills the cohort before its students arrive. Each active
// member gets an account (an Identity "lti:<platformId>" with their LMS subject, and their email if the LMS gives
// it) and a place in the cohort by their course role. It runs after an instructor's launch (through the outbox, so
// the launch does not wait and a failure is retried and kept), and when the instructor presses "Sync roster".

const MEMBERSHIPS = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json";

interface Member {
  user_id?: unknown;
  roles?: unknown;
  email?: unknown;
  name?: unknown;
  status?: unknown;
}

export interface RosterSync {
  /** Active members the LMS listed. */
  members: number;
  /** Of those, the ones who were not in the cohort yet. */
  added: number;
  /** Members who could not be added, each in plain words. */
  failed: string[];
}

/** What a sync did, in plain words. */
export function rosterSummary(sync: RosterSync): string {
  const added = sync.added === 0 ? "nobody new" : sync.added === 1 ? "1 new member" : `${sync.added} new members`;
  const listed = `The LMS lists ${sync.members} active member${sync.members === 1 ? "" : "s"}; ${added} joined the cohort.`;
  return sync.failed.length === 0 ? listed : `${listed} Not added: ${sync.failed.join(" ")}`;
}

const text = (value: unknown) => (typeof value === "string" && value.trim() ? value.trim() : undefined);

/** Fetches the course's roster (every page) and brings the cohort up to it; throws LtiServiceError in plain words. */
export async function syncRoster(cohortId: string, now = new Date()): Promise<RosterSync> {
  const context = await db.ltiContext.findUnique({ where: { cohortId }, include: { platform: true, cohort: { select: { instructorId: true } } } });
  if (!context) throw new LtiServiceError("This cohort is not an LMS course, so it has no roster to sync.");
  const { platform } = context;
  if (!context.membershipsUrl)
    throw new LtiServiceError(
      `${platform.name} has not given Dockyard the roster of “${context.title}” yet: launch Dockyard once from the course as its instructor.`,
    );
  const listed = await lti.list<Member>(platform, SCOPES.memberships, context.membershipsUrl, MEMBERSHIPS, `the roster of “${context.title}”`, "members");
  const active = listed.filter((m) => (text(m.status) ?? "Active") === "Active");
  const sync: RosterSync = { members: active.length, added: 0, failed: [] };
  const inCohort = new Set((await db.cohortMember.findMany({ where: { cohortId }, select: { learnerId: true } })).map((m) => m.learnerId));
  for (const member of active) {
    const subject = text(member.user_id);
    const who = text(member.name) ?? text(member.email) ?? subject ?? "A member without an id";
    if (!subject) {
      sync.failed.push(`${who}: the LMS gave no user id.`);
      continue;
    }
    const role = courseRole(Array.isArray(member.roles) ? member.roles.filter((r): r is string => typeof r === "string") : []);
    try {
      const { learnerId } = await signInIdentity({ provider: `lti:${platform.id}`, subject, email: text(member.email), emailVerified: true }, { now });
      await raiseRole(learnerId, role);
      if (learnerId === context.cohort.instructorId || inCohort.has(learnerId)) continue;
      await joinCourseCohort({ cohortId, instructorId: context.cohort.instructorId }, learnerId, role);
      inCohort.add(learnerId);
      sync.added++;
    } catch (e) {
      sync.failed.push(`${who}: ${(e as Error).message}`);
    }
  }
  await db.ltiContext.update({ where: { cohortId }, data: { rosterSyncedAt: now } });
  return sync;
}

/** Queues a roster sync of the cohort (after an instructor's launch) when the LMS gave its roster's address, unless one is already on its way. */
export async function queueRosterSync(cohortId: string): Promise<void> {
  const context = await db.ltiContext.findUnique({ where: { cohortId }, select: { membershipsUrl: true } });
  if (!context?.membershipsUrl) return;
  const pending = await db.outboxMessage.findFirst({
    where: { kind: "lti-roster", target: cohortId, deliveredAt: null, abandonedAt: null },
    select: { id: true },
  });
  if (!pending) await enqueue(db, { kind: "lti-roster", target: cohortId, topic: "roster", payload: { cohortId } });
}

/** The outbox's sender of "lti-roster" messages: one sync; its summary (or what failed) is the message's log. */
export async function sendRosterSync(message: OutboxMessage): Promise<SendOutcome> {
  try {
    return { accepted: true, response: rosterSummary(await syncRoster(message.target)) };
  } catch (e) {
    if (e instanceof LtiServiceError) return { accepted: false, status: e.status, response: e.message };
    throw e;
  }
}

export interface RosterStatus {
  syncedAt?: Date;
  /** What the last automatic sync said: its summary, or why it failed (and when it tries again). */
  last?: { at: Date; words: string; failed: boolean; retryAt?: Date };
}

/** For the cohort's page: when its roster last synced and how the last automatic sync went; undefined for a cohort not from an LMS. */
export async function rosterStatus(cohortId: string): Promise<RosterStatus | undefined> {
  const context = await db.ltiContext.findUnique({ where: { cohortId }, select: { rosterSyncedAt: true } });
  if (!context) return undefined;
  const message = await db.outboxMessage.findFirst({
    where: { kind: "lti-roster", target: cohortId, lastAttemptAt: { not: null } },
    orderBy: { lastAttemptAt: "desc" },
  });
  const last =
    message?.lastAttemptAt && message.lastResponse
      ? {
          at: message.lastAttemptAt,
          words: message.lastResponse,
          failed: !message.deliveredAt,
          retryAt: message.deliveredAt || message.abandonedAt ? undefined : message.nextAttemptAt,
        }
      : undefined;
  return { syncedAt: context.rosterSyncedAt ?? undefined, last };
}
