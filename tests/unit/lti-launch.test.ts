import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { JWTPayload } from "jose";
import { Refusal } from "@dockyard/contract";
import { AGS_CLAIM, DEEP_LINKING_CLAIM, LTI_CLAIM, NRPS_CLAIM, readLaunch } from "../../app/_lib/lti/claims";
import { courseRole, raisedRole } from "../../app/_lib/lti/roles";
import { canvasConfiguration, launchLanding, lessonLanding, registrationRequest } from "../../app/_lib/lti/tool";
import { CROSS_SITE_ENDPOINTS } from "../../app/_lib/origin";

// An LTI launch's claims once its signature is verified (claims.ts), LTI roles → Dockyard (roles.ts), and what the
// tool tells LMSes about itself (tool.ts). The signature, iss, aud and exp checks are jose's, run against the real
// platform in tests/integration/lti.test.ts.

const PLATFORM = { clientId: "dockyard-client", deploymentIds: ["deployment-1", "deployment-2"] };
const MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership";

const resourceLink = (extra: Record<string, unknown> = {}): JWTPayload => ({
  iss: "https://lms.example",
  aud: "dockyard-client",
  sub: "user-7",
  email: "ada@example.com",
  name: "Ada",
  [LTI_CLAIM + "version"]: "1.3.0",
  [LTI_CLAIM + "message_type"]: "LtiResourceLinkRequest",
  [LTI_CLAIM + "deployment_id"]: "deployment-2",
  [LTI_CLAIM + "roles"]: [`${MEMBERSHIP}#Learner`],
  [LTI_CLAIM + "context"]: { id: "course-1", title: "Containers 101" },
  [LTI_CLAIM + "resource_link"]: { id: "link-1" },
  [LTI_CLAIM + "custom"]: { lesson: "first-container", count: 3 },
  [LTI_CLAIM + "launch_presentation"]: { document_target: "iframe", return_url: "https://lms.example/course-1" },
  [AGS_CLAIM]: { lineitems: "https://lms.example/course-1/lineitems", lineitem: "https://lms.example/course-1/lineitems/9" },
  [NRPS_CLAIM]: { context_memberships_url: "https://lms.example/course-1/memberships" },
  ...extra,
});

const refusedWith = (payload: JWTPayload, code: string, message: RegExp) =>
  assert.throws(
    () => readLaunch(payload, PLATFORM),
    (e: unknown) => e instanceof Refusal && e.code === code && message.test(e.message),
  );

describe("reading a verified launch", () => {
  test("a resource link launch: who, the course, the link, its custom parameters and service addresses", () => {
    assert.deepEqual(readLaunch(resourceLink(), PLATFORM), {
      messageType: "LtiResourceLinkRequest",
      deploymentId: "deployment-2",
      subject: "user-7",
      email: "ada@example.com",
      name: "Ada",
      roles: [`${MEMBERSHIP}#Learner`],
      context: { id: "course-1", title: "Containers 101" },
      resourceLinkId: "link-1",
      custom: { lesson: "first-container" },
      documentTarget: "iframe",
      lineItemsUrl: "https://lms.example/course-1/lineitems",
      lineItemUrl: "https://lms.example/course-1/lineitems/9",
      membershipsUrl: "https://lms.example/course-1/memberships",
    });
  });

  test("a launched lesson opens in the embedded layout (the LMS's frame), in the full page when the LMS opens a window", () => {
    assert.equal(lessonLanding("first-container", "iframe"), "/embed/lessons/first-container");
    assert.equal(lessonLanding("first-container", "frame"), "/embed/lessons/first-container");
    assert.equal(lessonLanding("first-container", undefined), "/embed/lessons/first-container");
    assert.equal(lessonLanding("first-container", "window"), "/lessons/first-container");
    assert.equal(readLaunch(resourceLink({ [LTI_CLAIM + "launch_presentation"]: { document_target: "window" } }), PLATFORM).documentTarget, "window");
  });

  test("a link to no lesson lands on the course's embedded page in the LMS's frame, for every role; in a window, on the full pages", () => {
    const course = { cohortId: "cohort-1" };
    assert.equal(launchLanding({ ...course, lessonSlug: "volumes", role: "student", documentTarget: "iframe" }), "/embed/lessons/volumes");
    assert.equal(launchLanding({ ...course, lessonSlug: "volumes", role: "instructor", documentTarget: "window" }), "/lessons/volumes");
    for (const role of ["student", "grader", "instructor"] as const) {
      assert.equal(launchLanding({ ...course, role, documentTarget: "iframe" }), "/embed/courses/cohort-1", role);
      assert.equal(launchLanding({ ...course, role }), "/embed/courses/cohort-1", role);
    }
    assert.equal(launchLanding({ ...course, role: "instructor", documentTarget: "window" }), "/cohorts/cohort-1");
    assert.equal(launchLanding({ ...course, role: "grader", documentTarget: "window" }), "/cohorts/cohort-1");
    assert.equal(launchLanding({ ...course, role: "student", documentTarget: "window" }), "/");
    assert.equal(launchLanding({ role: "instructor", documentTarget: "iframe" }), "/", "a launch from outside any course");
  });

  test("a deep linking request carries its return address, the platform's data and whether it takes several items", () => {
    const launch = readLaunch(
      resourceLink({
        [LTI_CLAIM + "message_type"]: "LtiDeepLinkingRequest",
        [LTI_CLAIM + "resource_link"]: undefined,
        [DEEP_LINKING_CLAIM + "deep_linking_settings"]: { deep_link_return_url: "https://lms.example/dl", data: "opaque", accept_multiple: false },
      }),
      PLATFORM,
    );
    assert.deepEqual(launch.deepLinking, { returnUrl: "https://lms.example/dl", data: '"opaque"', acceptMultiple: false });
    assert.equal(launch.resourceLinkId, undefined);
  });

  test("an unregistered deployment is refused by name", () => {
    refusedWith(
      resourceLink({ [LTI_CLAIM + "deployment_id"]: "deployment-9" }),
      "lti_unknown_deployment",
      /deployment “deployment-9”, which is not registered/,
    );
  });

  test("the LTI version, message type, subject, authorized party and each message's own claims are checked", () => {
    refusedWith(resourceLink({ [LTI_CLAIM + "version"]: "1.1" }), "lti_invalid", /LTI version 1\.1, not 1\.3\.0/);
    refusedWith(resourceLink({ [LTI_CLAIM + "message_type"]: "LtiSubmissionReviewRequest" }), "lti_invalid", /message type LtiSubmissionReviewRequest/);
    refusedWith(resourceLink({ [LTI_CLAIM + "deployment_id"]: undefined }), "lti_invalid", /names no deployment/);
    refusedWith(resourceLink({ sub: "" }), "lti_invalid", /who is launching/);
    refusedWith(resourceLink({ aud: ["dockyard-client", "other"] }), "lti_invalid", /authorized party/);
    refusedWith(resourceLink({ azp: "other" }), "lti_invalid", /authorized party/);
    assert.equal(readLaunch(resourceLink({ aud: ["dockyard-client", "other"], azp: "dockyard-client" }), PLATFORM).subject, "user-7");
    refusedWith(resourceLink({ [LTI_CLAIM + "resource_link"]: {} }), "lti_invalid", /without a resource link id/);
    refusedWith(
      resourceLink({
        [LTI_CLAIM + "message_type"]: "LtiDeepLinkingRequest",
        [DEEP_LINKING_CLAIM + "deep_linking_settings"]: { deep_link_return_url: "javascript:alert(1)" },
      }),
      "lti_invalid",
      /without a return address/,
    );
  });

  test("a service address that is not http(s) is dropped, not followed", () => {
    const launch = readLaunch(resourceLink({ [AGS_CLAIM]: { lineitems: "file:///etc/passwd" }, [NRPS_CLAIM]: {} }), PLATFORM);
    assert.equal(launch.lineItemsUrl, undefined);
    assert.equal(launch.membershipsUrl, undefined);
  });
});

describe("LTI roles → Dockyard", () => {
  test("Instructor → instructor, TeachingAssistant → grader (even beside Instructor, as Canvas sends it), the rest → student", () => {
    assert.equal(courseRole([`${MEMBERSHIP}#Instructor`]), "instructor");
    assert.equal(courseRole([`${MEMBERSHIP}/Instructor#Lecturer`]), "instructor");
    assert.equal(courseRole(["Instructor"]), "instructor");
    assert.equal(courseRole([`${MEMBERSHIP}#Instructor`, `${MEMBERSHIP}/Instructor#TeachingAssistant`]), "grader");
    assert.equal(courseRole([`${MEMBERSHIP}#Learner`]), "student");
    assert.equal(courseRole([`${MEMBERSHIP}#Mentor`]), "student");
    assert.equal(courseRole([]), "student");
  });

  test("institution and system roles say nothing about the course", () => {
    assert.equal(courseRole(["http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor"]), "student");
    assert.equal(courseRole(["http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator"]), "student");
  });

  test("a launch raises an account's role to the course's, never lowers it, and never touches an admin", () => {
    assert.equal(raisedRole("student", "instructor"), "instructor");
    assert.equal(raisedRole("student", "grader"), "grader");
    assert.equal(raisedRole("instructor", "student"), "instructor");
    assert.equal(raisedRole("grader", "student"), "grader");
    assert.equal(raisedRole("admin", "instructor"), "admin");
  });
});

test("only the LMS's login initiation and launch may be posted from other sites", () => {
  assert.deepEqual([...CROSS_SITE_ENDPOINTS].sort(), ["/lti/launch", "/lti/login"]);
});

describe("the tool's description for LMSes", () => {
  const site = "https://labs.example.org";

  test("Canvas's configuration JSON names the tool's login, launch and keyset URLs, the services' scopes and the lesson picker", () => {
    const config = canvasConfiguration(site);
    assert.equal(config.oidc_initiation_url, `${site}/lti/login`);
    assert.equal(config.target_link_uri, `${site}/lti/launch`);
    assert.equal(config.public_jwk_url, `${site}/lti/jwks`);
    assert.ok(config.scopes.includes("https://purl.imsglobal.org/spec/lti-ags/scope/score"));
    assert.ok(config.scopes.includes("https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"));
    const [canvas] = config.extensions;
    assert.equal(canvas!.domain, "labs.example.org");
    assert.equal(canvas!.privacy_level, "public", "names and emails: an account needs an email");
    assert.deepEqual(
      canvas!.settings.placements.map((p) => [p.placement, p.message_type, p.target_link_uri]),
      [
        ["assignment_selection", "LtiDeepLinkingRequest", `${site}/lti/launch`],
        ["link_selection", "LtiDeepLinkingRequest", `${site}/lti/launch`],
      ],
    );
  });

  test("the Dynamic Registration request: private_key_jwt, the launch as the only redirect URI, Deep Linking offered", () => {
    const request = registrationRequest(site);
    assert.equal(request.initiate_login_uri, `${site}/lti/login`);
    assert.deepEqual(request.redirect_uris, [`${site}/lti/launch`]);
    assert.equal(request.jwks_uri, `${site}/lti/jwks`);
    assert.equal(request.token_endpoint_auth_method, "private_key_jwt");
    const tool = request["https://purl.imsglobal.org/spec/lti-tool-configuration"];
    assert.equal(tool.target_link_uri, `${site}/lti/launch`);
    assert.deepEqual(
      tool.messages.map((m) => m.type),
      ["LtiDeepLinkingRequest"],
    );
  });
});
