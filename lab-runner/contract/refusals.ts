// Every refusal Dockyard answers with, in one table: its HTTP status, the close code a WebSocket refused for it
// gets, and what the learner is told when nothing more specific is said. The lab-runner, the site's routes and
// the lesson page all read it; tests/unit/refusals.test.ts walks it. Plain data only: the browser imports it.

export interface RefusalRule {
  /** HTTP status of a response carrying this refusal. */
  status: number;
  /** Close code of a WebSocket refused for it (4000–4999: free for applications). */
  close: number;
  /** Whether the lesson page should try the terminal again (a new token, a later moment) rather than give up. */
  retry: boolean;
  message: string;
}

const rule = (status: number, close: number, retry: boolean, message: string): RefusalRule => ({ status, close, retry, message });

export const REFUSALS = {
  // Who is asking
  unauthorized: rule(401, 4401, true, "Your access to this lab has expired or is missing. Reload the page."),
  missing: rule(401, 4401, true, "This request carries no access token. Open it from the lesson page."),
  malformed: rule(401, 4401, true, "This access token is malformed. Open it again from the lesson page."),
  bad_signature: rule(401, 4401, true, "This access token was not issued by Dockyard. Open it again from the lesson page."),
  expired: rule(401, 4401, true, "Your access has expired. Open it again from the lesson page."),
  wrong_kind: rule(401, 4401, true, "This token is for something else. Open it again from the lesson page."),
  wrong_sandbox: rule(403, 4403, false, "This belongs to another learner's lab."),
  forbidden: rule(403, 4403, false, "You may not do this."),
  cross_site: rule(403, 4403, false, "This request came from another site, so it was refused. Open Dockyard at its own address and try again."),
  sign_in_required: rule(401, 4401, false, "Sign in to continue."),
  no_session: rule(401, 4401, true, "Open the lesson first: your session starts with its sandbox."),

  // Signing in through the single sign-on provider (app/_lib/oidc/): the sign-in error page tells these
  sso_denied: rule(403, 4403, false, "You cancelled signing in, or your organisation's sign-in refused it, so you were not signed in."),
  sso_refused: rule(401, 4401, false, "Your organisation's sign-in answered with something Dockyard cannot trust, so you were not signed in. Try again."),
  sso_unavailable: rule(503, 4500, true, "Your organisation's sign-in service is not reachable now, so you were not signed in. Try again in a minute."),
  sso_off: rule(404, 4404, false, "Single sign-on is not set up on this site. Sign in with your email and password."),
  password_signin_off: rule(403, 4403, false, "Signing in with a password is turned off on this site: use the single sign-on button instead."),

  // What is asked for
  not_found: rule(404, 4404, false, "There is no such thing here."),
  unknown_lesson: rule(404, 4404, false, "There is no such lesson."),
  unknown_step: rule(404, 4404, false, "This lesson has no such step."),
  unknown_node: rule(404, 4404, false, "This lab has no such node."),
  unknown_cohort: rule(404, 4404, false, "There is no such cohort."),
  unknown_hint: rule(404, 4404, false, "This step has no such hint."),
  no_quiz: rule(404, 4404, false, "This step has no quiz."),
  no_registry: rule(404, 4404, false, "This lab has no registry."),
  no_recording: rule(404, 4404, false, "There is no recording of this terminal yet."),
  no_asset: rule(404, 4404, false, "This lesson has no such file."),
  method_not_allowed: rule(405, 4405, false, "This method is not allowed here."),
  broken_lesson: rule(422, 4422, false, "This lesson has an error, so its lab cannot start. Its author can see where on the course page."),

  // What is sent
  bad_request: rule(400, 4400, false, "The request is not valid."),
  bad_json: rule(400, 4400, false, "The request body must be a JSON object."),
  bad_format: rule(400, 4400, false, "Ask for csv or json."),
  bad_message: rule(400, 4400, false, "That terminal message was not understood, so it changed nothing."),
  bad_node: rule(400, 4400, false, "That is not a node name (node1, node2, …)."),
  bad_path: rule(400, 4400, false, "Give an absolute path inside your lab, e.g. /root/Dockerfile."),
  is_directory: rule(400, 4400, false, "That is a directory; give the path of a file in it."),
  not_directory: rule(400, 4400, false, "That is not a directory."),
  not_regular_file: rule(400, 4400, false, "That is not a regular file, so it cannot be edited."),
  not_text: rule(400, 4400, false, "The file's content must be UTF-8 text."),
  binary: rule(415, 4415, false, "That file is not text, so the editor cannot open it."),
  body_too_large: rule(413, 4413, false, "The request body is too large."),
  too_large: rule(413, 4413, false, "That is too large for the editor; use the terminal."),
  input_too_large: rule(413, 4413, false, "That paste is too large, so nothing was typed. Paste it in smaller parts."),
  read_only: rule(403, 4403, false, "This is a read-only live view: nothing typed here reaches the learner's terminal."),
  file_error: rule(422, 4422, false, "Your lab could not do that with this file."),
  step_failed: rule(500, 4500, false, "The step could not be recorded; try again."),

  // LTI launches from an LMS (app/_lib/lti/): shown in the LMS's frame, so they say what to do there
  lti_unknown_platform: rule(
    400,
    4400,
    false,
    "This LMS is not registered with Dockyard, so the launch was refused. Ask a Dockyard admin to add it under Admin → LTI platforms.",
  ),
  lti_unknown_deployment: rule(
    403,
    4403,
    false,
    "This LMS sent a deployment of Dockyard that is not registered, so the launch was refused. Ask a Dockyard admin to add its deployment id under Admin → LTI platforms.",
  ),
  lti_bad_signature: rule(
    401,
    4401,
    false,
    "The launch was not signed with a key your LMS publishes, so Dockyard refused it. Open the link from your course again; if it keeps happening, ask your LMS administrator to check Dockyard's registration.",
  ),
  lti_replayed: rule(
    401,
    4401,
    false,
    "This launch was already used once, and a launch works only once, so it was refused. Open the link from your course again.",
  ),
  lti_expired: rule(401, 4401, false, "This launch expired before it reached Dockyard, so it was refused. Open the link from your course again."),
  lti_state: rule(
    401,
    4401,
    false,
    "This launch did not start in this browser, or took more than ten minutes, so it was refused. Open the link from your course again; if it keeps happening, your browser may be blocking Dockyard's cookies inside the course page.",
  ),
  lti_invalid: rule(
    400,
    4400,
    false,
    "Your LMS sent a launch Dockyard cannot use, so it was refused. Ask your LMS administrator to check Dockyard's registration.",
  ),
  lti_course_not_ready: rule(
    409,
    4409,
    false,
    "Your instructor has not opened Dockyard from this course yet, so it has no class for you to join. Ask them to open it once from the course, then open this link again.",
  ),
  lti_registration_failed: rule(502, 4502, false, "Dockyard could not register with the LMS. Check the registration address and try again from the LMS."),

  // The lab's state
  not_running: rule(409, 4409, true, "Your lab is not running; reload the page to start it."),
  lagging: rule(409, 4408, false, "This live view fell too far behind the terminal and was disconnected; open it again to catch up."),
  ended: rule(410, 4410, false, "The lab was removed, so its live view ended; its recording can still be replayed."),
  setup_failed: rule(422, 4422, false, "The lesson's setup script failed, so your lab is not ready. Retry it."),

  // Limits and capacity
  lab_quota: rule(429, 4429, false, "You already have as many labs running as one learner may. Stop one with “Stop lab” on its lesson page."),
  at_capacity: rule(503, 4429, false, "Dockyard is running as many labs as it can. Try again in a few minutes."),
  too_many_connections: rule(429, 4429, false, "Too many new connections from your address at once: wait ten seconds, then reload the page."),
  too_many_terminals: rule(429, 4429, false, "Your lab has too many terminals open: close some, then reload this page."),
  too_many_watchers: rule(429, 4429, false, "This lab already has as many live views open as it may; close one first."),

  // Dockyard's own trouble
  boot_failed: rule(503, 4500, true, "Your lab could not start."),
  engine_down: rule(
    503,
    4500,
    true,
    "Dockyard's lab engine is not answering (its Docker engine, or its cluster), so no lab can start now. Try again in a minute: nothing you did is lost.",
  ),
  lab_lost: rule(
    503,
    4503,
    true,
    "The machine in the cluster that ran your lab stopped answering, so your lab stopped. Reload the page to start it again on another machine; files that were only inside your lab may be lost.",
  ),
  runner_unreachable: rule(503, 4500, true, "The lab-runner is not reachable. Is it running?"),
  runner_error: rule(502, 4502, false, "The lab-runner answered with an error the site does not know."),
  upstream_failed: rule(502, 4502, false, "The app in your lab did not answer properly."),
  internal: rule(500, 4500, false, "Something failed on Dockyard's side; try again."),
} as const satisfies Record<string, RefusalRule>;

export type RefusalCode = keyof typeof REFUSALS;

const isRefusalCode = (code: string): code is RefusalCode => Object.hasOwn(REFUSALS, code);

/** The one error type either service throws to refuse a request: a code of the table and what to tell. */
export class Refusal extends Error {
  /** Only for `runner_error`: the status the lab-runner answered with, kept so that a 4xx stays the caller's to fix. */
  private relayedStatus?: number;

  constructor(
    readonly code: RefusalCode,
    message: string = REFUSALS[code].message,
  ) {
    super(message);
  }

  get status(): number {
    return this.relayedStatus ?? REFUSALS[this.code].status;
  }

  get closeCode(): number {
    return REFUSALS[this.code].close;
  }

  /** A Refusal as it is; anything else thrown becomes `code`, told in the error's own words. */
  static from(e: unknown, code: RefusalCode, prefix = ""): Refusal {
    return e instanceof Refusal ? e : new Refusal(code, prefix + (e instanceof Error ? e.message : String(e)));
  }

  /**
   * The lab-runner's refusal as the site reads it from an HTTP answer (its status and body): its own code when
   * this table knows it; else (a lab-runner newer than the site, or no JSON at all) `runner_error`, which keeps
   * the status the lab-runner answered with.
   */
  static relayed(status: number, body: unknown): Refusal {
    const { error, message } = (body ?? {}) as { error?: unknown; message?: unknown };
    const told = typeof message === "string" ? message : `The lab-runner answered ${status}.`;
    if (typeof error === "string" && isRefusalCode(error)) return new Refusal(error, told);
    const refusal = new Refusal("runner_error", told);
    if (status >= 400 && status <= 599) refusal.relayedStatus = status;
    return refusal;
  }

  /** The JSON body of a refused HTTP request. */
  get body(): { error: RefusalCode; message: string } {
    return { error: this.code, message: this.message };
  }
}

/**
 * What a closing terminal or watch socket was refused for: the error it told last, if that code's close code
 * is the one the socket closed with (a socket that closes for any other reason was not refused, it was cut).
 */
export function closedBy(told: { code: string; message: string } | undefined, closeCode: number): (RefusalRule & { code: RefusalCode }) | undefined {
  if (!told || !isRefusalCode(told.code) || REFUSALS[told.code].close !== closeCode) return undefined;
  return { ...REFUSALS[told.code], code: told.code, message: told.message };
}
