import type { LtiAssignment, LtiContext, LtiPlatform } from "../../_generated/prisma/client";
import { db } from "../db";
import { lessonBySlug } from "../lessons";
import { lti, LtiServiceError, refusal, SCOPES } from "./services";

// The LMS gradebook column (AGS line item) an assignment's scores go to. Deep Linking usually creates it and the
// launch names it; when a launch carried only the course's line items URL, Dockyard finds the column it made
// before (by resource link, else by its tag and the lesson) or makes one, and remembers it.

const LINE_ITEM = "application/vnd.ims.lis.v2.lineitem+json";
const LINE_ITEMS = "application/vnd.ims.lis.v2.lineitemcontainer+json";
/** Marks the line items Dockyard made, so it finds them again. */
export const LINE_ITEM_TAG = "dockyard";

interface LineItem {
  id?: string;
  resourceLinkId?: string;
  resourceId?: string;
  tag?: string;
}

type Assignment = LtiAssignment & { context: LtiContext & { platform: LtiPlatform } };

/** The assignment's line item URL, found or made (with `maximum` points) when the LMS has not named it. */
export async function lineItemOf(assignment: Assignment, maximum: number): Promise<string> {
  if (assignment.lineItemUrl) return assignment.lineItemUrl;
  const { context } = assignment;
  const { platform } = context;
  if (!context.lineItemsUrl)
    throw new LtiServiceError(
      `${platform.name} has not told Dockyard where the gradebook of “${context.title}” is: launch the assignment once from the LMS, then the score is sent.`,
    );
  const query = new URL(context.lineItemsUrl);
  if (assignment.resourceLinkId) query.searchParams.set("resource_link_id", assignment.resourceLinkId);
  else query.searchParams.set("resource_id", assignment.lessonSlug);
  const items = await lti.list<LineItem>(platform, SCOPES.lineItem, query.toString(), LINE_ITEMS, `the gradebook columns of “${context.title}”`);
  const mine = (item: LineItem) =>
    assignment.resourceLinkId ? item.resourceLinkId === assignment.resourceLinkId : item.tag === LINE_ITEM_TAG && item.resourceId === assignment.lessonSlug;
  const url = items.find(mine)?.id ?? (await createLineItem(assignment, maximum));
  // Two senders may both have looked: the first URL saved is the one everyone uses.
  await db.ltiAssignment.updateMany({ where: { id: assignment.id, lineItemUrl: null }, data: { lineItemUrl: url } });
  return (await db.ltiAssignment.findUnique({ where: { id: assignment.id }, select: { lineItemUrl: true } }))?.lineItemUrl ?? url;
}

async function createLineItem(assignment: Assignment, maximum: number): Promise<string> {
  const { context } = assignment;
  const found = lessonBySlug(assignment.lessonSlug);
  const label = found && "lesson" in found ? found.lesson.title : assignment.lessonSlug;
  const item = {
    label,
    scoreMaximum: maximum,
    resourceId: assignment.lessonSlug,
    tag: LINE_ITEM_TAG,
    ...(assignment.resourceLinkId && { resourceLinkId: assignment.resourceLinkId }),
  };
  const answer = await lti.call(context.platform, SCOPES.lineItem, context.lineItemsUrl!, {
    method: "POST",
    headers: { "content-type": LINE_ITEM, accept: LINE_ITEM },
    body: JSON.stringify(item),
  });
  const body = await answer.text();
  if (!answer.ok) throw refusal(context.platform, `to make a gradebook column for “${label}”`, answer.status, body);
  let made: LineItem;
  try {
    made = JSON.parse(body) as LineItem;
  } catch {
    made = {};
  }
  if (typeof made.id !== "string") throw new LtiServiceError(`${context.platform.name} made a gradebook column for “${label}” but did not say its address.`);
  return made.id;
}
