import { after, before, describe, mock, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { closedBy, issueLabToken, Refusal, REFUSALS, sandboxIdFor, TokenRejected, type RefusalCode } from "@dockyard/contract/server";
import { createServer } from "../../lab-runner/src/http/server";
import type { LabManager } from "../../lab-runner/src/labs";
import { refusalResponse } from "../../app/_lib/api";
import { labAccess, removeLab, startLab } from "../../app/_lib/runner";

// The one table of refusals: every code has a status, a close code and a message; the statuses the tests and
// the README promise; and both services answer a refusal with the table's status (the lab-runner's JSON error,
// the site's relay of it through its runner client, the site's own response helper).

const codes = Object.keys(REFUSALS) as RefusalCode[];

test("every code has an error status, an application close code and a message", () => {
  for (const code of codes) {
    const { status, close, retry, message } = REFUSALS[code];
    assert.ok(status >= 400 && status <= 599, `${code}: status ${status}`);
    assert.ok(close >= 4000 && close <= 4999, `${code}: close ${close}`);
    assert.equal(typeof retry, "boolean", code);
    assert.ok(message.trim().length > 0, `${code}: message`);
  }
});

test("the statuses and close codes the tests and the README promise", () => {
  const promised: Partial<Record<RefusalCode, number>> = {
    unauthorized: 401,
    missing: 401,
    malformed: 401,
    bad_signature: 401,
    expired: 401,
    wrong_kind: 401,
    sign_in_required: 401,
    no_session: 401,
    wrong_sandbox: 403,
    forbidden: 403,
    not_running: 409,
    lab_quota: 429,
    at_capacity: 503,
    engine_down: 503,
    lab_lost: 503,
    boot_failed: 503,
    runner_unreachable: 503,
    broken_lesson: 422,
    file_error: 422,
    bad_path: 400,
    bad_json: 400,
    bad_request: 400,
    too_large: 413,
    method_not_allowed: 405,
    upstream_failed: 502,
    not_found: 404,
    no_recording: 404,
    no_registry: 404,
    no_asset: 404,
    no_quiz: 404,
  };
  for (const code of codes.filter((c) => c.startsWith("unknown_"))) promised[code] = 404;
  for (const [code, status] of Object.entries(promised)) assert.equal(REFUSALS[code as RefusalCode].status, status, code);
  const closes = {
    unauthorized: 4401,
    forbidden: 4403,
    not_found: 4404,
    unknown_node: 4404,
    lagging: 4408,
    not_running: 4409,
    ended: 4410,
    lab_lost: 4503,
    too_many_connections: 4429,
    too_many_terminals: 4429,
    lab_quota: 4429,
    boot_failed: 4500,
  };
  for (const [code, close] of Object.entries(closes)) assert.equal(REFUSALS[code as RefusalCode].close, close, code);
});

test("a Refusal takes its status and close code from the table; Refusal.from keeps a Refusal and wraps anything else", () => {
  const quota = new Refusal("lab_quota", "two labs already");
  assert.deepEqual([quota.status, quota.closeCode, quota.body], [429, 4429, { error: "lab_quota", message: "two labs already" }]);
  assert.equal(new Refusal("at_capacity").message, REFUSALS.at_capacity.message);
  assert.equal(Refusal.from(quota, "internal"), quota);
  const token = new TokenRejected("wrong_sandbox");
  assert.equal(Refusal.from(token, "not_found"), token);
  assert.equal(token.status, 403);
  const wrapped = Refusal.from(new Error("disk full"), "boot_failed", "The sandbox could not start: ");
  assert.deepEqual([wrapped.code, wrapped.message, wrapped.status], ["boot_failed", "The sandbox could not start: disk full", 503]);
  assert.deepEqual([Refusal.from("a string", "internal").code, Refusal.from("a string", "internal").message], ["internal", "a string"]);
});

test("a refusal relayed from the lab-runner keeps its code; an unknown one keeps the lab-runner's status", () => {
  const known = Refusal.relayed(429, { error: "lab_quota", message: "two labs already" });
  assert.deepEqual([known.code, known.message, known.status], ["lab_quota", "two labs already", 429]);
  const unknown = Refusal.relayed(418, { error: "teapot", message: "short and stout" });
  assert.deepEqual([unknown.code, unknown.message, unknown.status], ["runner_error", "short and stout", 418]);
  const bare = Refusal.relayed(502, undefined);
  assert.deepEqual([bare.code, bare.message, bare.status], ["runner_error", "The lab-runner answered 502.", 502]);
  assert.equal(Refusal.relayed(200, {}).status, REFUSALS.runner_error.status, "only an error status is kept");
});

test("a socket's close is explained by the error told before it only when that code closes with that close code", () => {
  assert.deepEqual(closedBy({ code: "lab_quota", message: "two labs already" }, 4429), {
    ...REFUSALS.lab_quota,
    code: "lab_quota",
    message: "two labs already",
  });
  assert.equal(closedBy({ code: "lab_quota", message: "two labs already" }, 1006), undefined, "cut, not refused");
  assert.equal(closedBy({ code: "no_such_code", message: "?" }, 4500), undefined);
  assert.equal(closedBy(undefined, 4401), undefined);
  assert.equal(closedBy({ code: "boot_failed", message: "no disk" }, 4500)?.retry, true);
});

test("the site's response helper answers a refusal with the table's status and its JSON body", async () => {
  for (const code of ["broken_lesson", "sign_in_required", "forbidden", "unknown_cohort", "runner_unreachable"] as const) {
    const res = refusalResponse(new Refusal(code, "told"));
    assert.equal(res.status, REFUSALS[code].status, code);
    assert.deepEqual(await res.json(), { error: code, message: "told" });
  }
});

describe("the lab-runner's HTTP surface with a stand-in LabManager, and the site's runner client in front of it", () => {
  const SECRET = "refusals-test-secret";
  const ann = { learner: "ann", lesson: "first", sandbox: sandboxIdFor("ann", "first") };
  const labs = {
    ensure: async () => {
      throw new Refusal("lab_quota", "You already have 2 labs running.");
    },
    remove: async () => {
      throw new Error("the driver fell over");
    },
  } as unknown as LabManager;
  let runner: http.Server;
  let base: string;

  before(async () => {
    runner = createServer(labs, SECRET);
    await new Promise<void>((resolve) => runner.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(runner.address() as AddressInfo).port}`;
    process.env.DOCKYARD_SECRET = SECRET;
    process.env.DOCKYARD_RUNNER_URL = base;
    mock.method(console, "error", () => {}); // the lab-runner logs the unexpected failure it answers as internal
  });
  after(() => {
    mock.restoreAll();
    runner.close();
  });

  const call = async (method: string, path: string, token?: string) => {
    const res = await fetch(base + path, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: res.status, body: (await res.json()) as { error: RefusalCode; message: string } };
  };

  test("the lab-runner answers each refusal with the table's status, and an unexpected failure as internal", async () => {
    const token = issueLabToken(SECRET, ann, 60);
    const answers = [
      await call("GET", "/nowhere"),
      await call("POST", `/sandboxes/${ann.sandbox}/start`),
      await call("POST", `/sandboxes/${ann.sandbox}/start`, issueLabToken(SECRET, { ...ann, learner: "bob" }, 60)),
      await call("POST", `/sandboxes/${ann.sandbox}/start`, token),
      await call("PATCH", `/sandboxes/${ann.sandbox}`, token),
      await call("DELETE", `/sandboxes/${ann.sandbox}`, token),
    ];
    assert.deepEqual(
      answers.map((a) => a.body.error),
      ["not_found", "missing", "wrong_sandbox", "lab_quota", "method_not_allowed", "internal"],
    );
    for (const { status, body } of answers) assert.equal(status, REFUSALS[body.error].status, body.error);
  });

  test("the site's runner client throws the lab-runner's refusal, which the site answers with the same status", async () => {
    const access = labAccess(ann.learner, ann.lesson);
    const refusal = await startLab(access).then(
      () => assert.fail("the start should be refused"),
      (e: unknown) => e,
    );
    assert.ok(refusal instanceof Refusal);
    assert.deepEqual([refusal.code, refusal.message], ["lab_quota", "You already have 2 labs running."]);
    const res = refusalResponse(refusal);
    assert.deepEqual([res.status, await res.json()], [429, { error: "lab_quota", message: "You already have 2 labs running." }]);
    await assert.rejects(removeLab(access), (e) => e instanceof Refusal && e.code === "internal" && e.status === 500);
  });

  test("an unreachable lab-runner is runner_unreachable (503)", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    process.env.DOCKYARD_RUNNER_URL = `http://127.0.0.1:${port}`;
    try {
      await assert.rejects(startLab(labAccess(ann.learner, ann.lesson)), (e) => e instanceof Refusal && e.code === "runner_unreachable" && e.status === 503);
    } finally {
      process.env.DOCKYARD_RUNNER_URL = base;
    }
  });
});
