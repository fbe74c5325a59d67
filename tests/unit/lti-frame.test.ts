import { test } from "node:test";
import assert from "node:assert/strict";
import { Refusal } from "@dockyard/contract";
import { autoPostPage, refusalPage } from "../../app/_lib/lti/html";
import { spentStateCookie } from "../../app/_lib/lti/login";
import { FRAME_ANCESTORS_HEADER } from "../../app/_lib/securityHeaders";

// LTI inside the LMS's frame: the pages the LTI routes answer there may be framed by exactly the origins proxy.ts
// hands them (none when it hands none), and the login's state cookie reaches the launch in a third-party frame.

const frameAncestors = (response: Response) => response.headers.get("content-security-policy")!.match(/frame-ancestors ([^;]+)/)?.[1];
const request = (origins?: string) =>
  new Request("https://dockyard.test/lti/launch", { headers: origins === undefined ? {} : { [FRAME_ANCESTORS_HEADER]: origins } });

test("a refusal and the auto-posted Deep Linking response may be framed by the origins proxy.ts handed over, by no one without them", () => {
  const refusal = new Refusal("lti_state");
  assert.equal(
    frameAncestors(refusalPage(request("https://lms.school.edu https://school.instructure.com"), refusal)),
    "https://lms.school.edu https://school.instructure.com",
  );
  const posted = autoPostPage(request("https://lms.school.edu"), "https://lms.school.edu/deep-link-return", { JWT: "x" }, "Adding");
  assert.equal(frameAncestors(posted), "https://lms.school.edu");
  assert.match(posted.headers.get("content-security-policy")!, /form-action https:\/\/lms\.school\.edu;/);
  assert.equal(frameAncestors(refusalPage(request(""), refusal)), "'none'");
  assert.equal(frameAncestors(refusalPage(request(), refusal)), "'none'");
  // Only exact origins become sources: nothing that would end the directive or add a keyword.
  assert.equal(
    frameAncestors(refusalPage(request("https://a.example; script-src * 'self' https://b.example/path https://c.example"), refusal)),
    "https://c.example",
  );
});

test("the login's state cookie is SameSite=None, Secure and Partitioned over https, Lax on plain http; it is removed with the same attributes", () => {
  process.env.DOCKYARD_SECURE_COOKIES = "1";
  try {
    assert.deepEqual(spentStateCookie("s".repeat(22)), {
      name: `dockyard_lti_${"s".repeat(22)}`,
      value: "",
      httpOnly: true,
      sameSite: "none",
      secure: true,
      partitioned: true,
      path: "/lti/",
      maxAge: 0,
    });
  } finally {
    delete process.env.DOCKYARD_SECURE_COOKIES;
  }
  assert.deepEqual((({ sameSite, secure, partitioned }) => ({ sameSite, secure, partitioned }))(spentStateCookie("s".repeat(22))), {
    sameSite: "lax",
    secure: false,
    partitioned: false,
  });
});
