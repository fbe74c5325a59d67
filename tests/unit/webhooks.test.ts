import { test } from "node:test";
import assert from "node:assert/strict";
import { Webhook } from "standardwebhooks";
import type { Lesson } from "@dockyard/contract/server";
import { eventBody, wants } from "../../app/_lib/webhooks/events";
import { newSecret } from "../../app/_lib/webhooks/endpoints";
import { signatureHeaders } from "../../app/_lib/webhooks/send";

// The webhook events' shape and filtering, and the Standard Webhooks signature as the reference library checks it.

const lesson = {
  slug: "first-container",
  title: "Your first container",
  steps: [
    { id: "hello-busybox", title: "Say hello from a container", hints: 2, checks: [{ kind: "container" }], commands: [], solution: [], wrong: [] },
    { id: "read", title: "Read this", hints: 0, checks: [], commands: [], solution: [], wrong: [] },
  ],
} as unknown as Lesson;
const AT = new Date("2026-12-06T13:00:00Z");
const learner = { learnerId: "l-1", lessonSlug: "first-container" };

test("an endpoint with no events takes all; one with a list takes only those", () => {
  assert.ok(wants("[]", "step.passed"));
  assert.ok(wants("[]", "lab.started"));
  assert.ok(wants('["step.passed","lesson.completed"]', "lesson.completed"));
  assert.ok(!wants('["step.passed","lesson.completed"]', "check.attempted"));
  assert.ok(!wants('["hint.revealed"]', "solution.revealed"));
});

test("every event says who, which lesson and cohorts; a step's events name the step", () => {
  const body = eventBody({ type: "step.passed", ...learner, stepId: "hello-busybox" }, { email: "ann@example.com", lesson, cohortIds: ["c-1"] }, AT);
  assert.deepEqual(body, {
    type: "step.passed",
    timestamp: "2026-12-06T13:00:00.000Z",
    data: {
      learner: { id: "l-1", email: "ann@example.com" },
      lesson: { slug: "first-container", title: "Your first container" },
      cohortIds: ["c-1"],
      step: { id: "hello-busybox", title: "Say hello from a container" },
    },
  });
  const started = eventBody({ type: "lab.started", ...learner }, { email: null, lesson, cohortIds: [] }, AT);
  assert.deepEqual(started.data, { learner: { id: "l-1", email: null }, lesson: { slug: "first-container", title: "Your first container" }, cohortIds: [] });
});

test("check.attempted carries the structured result and who asked, without the commands; hints and completion add their counts", () => {
  const result = {
    passed: false,
    message: "Not yet",
    criteria: [{ name: "logs", passed: false, message: "No container printed hello world." }],
    commands: [{ at: "2026-12-06T12:59:00Z", step: "hello-busybox", exitCode: 0, command: "echo secret" }],
  };
  const checked = eventBody(
    { type: "check.attempted", ...learner, stepId: "hello-busybox", result, origin: "asked" },
    { email: null, lesson, cohortIds: [] },
    AT,
  );
  assert.deepEqual(checked.data.result, { passed: false, message: "Not yet", criteria: result.criteria });
  assert.equal(checked.data.origin, "asked");
  assert.doesNotMatch(JSON.stringify(checked), /echo secret/);
  const hint = eventBody({ type: "hint.revealed", ...learner, stepId: "hello-busybox", hint: 1 }, { email: null, lesson, cohortIds: [] }, AT);
  assert.deepEqual(hint.data.hint, { index: 1, of: 2 });
  const completed = eventBody({ type: "lesson.completed", ...learner }, { email: null, lesson, cohortIds: [] }, AT);
  assert.equal(completed.data.gradedSteps, 1);
});

test("a delivery's headers verify with the Standard Webhooks library under the endpoint's secret, and not under another", () => {
  const secret = newSecret();
  assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
  const body = JSON.stringify({ type: "webhook.test", timestamp: new Date().toISOString(), data: {} });
  const headers = signatureHeaders(secret, "msg_abc", new Date(), body);
  assert.equal(headers["webhook-id"], "msg_abc");
  assert.match(headers["webhook-timestamp"]!, /^\d{10}$/);
  assert.deepEqual(new Webhook(secret).verify(body, headers), JSON.parse(body));
  assert.throws(() => new Webhook(newSecret()).verify(body, headers), /No matching signature/);
  assert.throws(() => new Webhook(secret).verify(body.replace("webhook.test", "step.passed"), headers), /No matching signature/);
});
