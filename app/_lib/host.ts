import { NextResponse } from "next/server";
import { Refusal, SANDBOX_ID, type HostStatus, type LabStatus } from "@dockyard/contract/server";
import { mayAdminister } from "./access";
import { apiRoute, refusal } from "./api";
import { db } from "./db";
import { lessonBySlug } from "./lessons";
import { currentViewer } from "./session";
import { hostStatus } from "./runner";

// The admin's host view: the lab-runner's status with each lab's learner (their email, if they have an account)
// and lesson title, and the preamble its routes share (admins only).

export interface HostLab extends LabStatus {
  /** Undefined for an anonymous learner. */
  email?: string;
  lessonTitle: string;
}

export type HostView = Omit<HostStatus, "labs"> & { labs: HostLab[] };

export async function hostView(adminId: string): Promise<HostView> {
  const status = await hostStatus(adminId);
  const learners = await db.learner.findMany({ where: { id: { in: [...new Set(status.labs.map((l) => l.learnerId))] } }, select: { id: true, email: true } });
  const emails = new Map(learners.map((l) => [l.id, l.email ?? undefined]));
  const titleOf = (slug: string) => {
    const found = lessonBySlug(slug);
    return found && "lesson" in found ? found.lesson.title : slug;
  };
  return { ...status, labs: status.labs.map((lab) => ({ ...lab, email: emails.get(lab.learnerId), lessonTitle: titleOf(lab.lessonSlug) })) };
}

/** An admin route: refused (401, 403) unless an admin asks; `handler` gets the admin's id and answers, or throws a Refusal. */
export function withAdmin<P>(handler: (adminId: string, params: P) => Promise<unknown>) {
  return apiRoute(async (_req, { params }: { params: Promise<P> }) => {
    const viewer = await currentViewer();
    const decision = mayAdminister(viewer);
    if (!decision.allowed) return refusal(decision);
    return NextResponse.json(await handler(viewer.account!.id, await params), { headers: { "cache-control": "no-store" } });
  });
}

/** The sandbox a route names, refused unless it is one (it goes into the lab-runner's URL). */
export function sandboxOf(id: string): string {
  if (!SANDBOX_ID.test(id)) throw new Refusal("not_found", `“${id}” is not a lab.`);
  return id;
}
