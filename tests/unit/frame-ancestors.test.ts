import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";

// proxy.ts's copy of who may frame an embedded lesson: asked of the site (here a stand-in for its
// /api/embed/frame-ancestors), kept a few seconds, and none at all while the site cannot answer.

test("the allowed origins are asked of the site, kept a few seconds, and none while the site fails to answer", async (t) => {
  let answer: { status: number; origins: string[] } = { status: 500, origins: [] };
  const asked: string[] = [];
  const site = http.createServer((req, res) => {
    asked.push(req.url!);
    res.writeHead(answer.status, { "content-type": "application/json" }).end(JSON.stringify({ origins: answer.origins }));
  });
  await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
  t.after(() => site.close());
  process.env.DOCKYARD_SITE_URL = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  const { embedFrameAncestors } = await import("../../app/_lib/frameAncestors");
  const quiet = t.mock.method(console, "error", () => {});

  assert.deepEqual(await embedFrameAncestors(), [], "the site failed: no one may frame");
  assert.equal(quiet.mock.callCount(), 1);
  answer = { status: 200, origins: ["https://lms.example.edu"] };
  await new Promise((r) => setTimeout(r, 1_100));
  const [first, second] = await Promise.all([embedFrameAncestors(), embedFrameAncestors()]);
  assert.deepEqual([first, second], [["https://lms.example.edu"], ["https://lms.example.edu"]]);
  answer = { status: 200, origins: ["https://other.example.org"] };
  assert.deepEqual(await embedFrameAncestors(), ["https://lms.example.edu"], "kept for a few seconds");
  assert.deepEqual(asked, ["/api/embed/frame-ancestors", "/api/embed/frame-ancestors"], "two requests at once asked once");
});
