import http from "node:http";
import { WebSocketServer, type WebSocket } from "ws";
import {
  idPath,
  PREVIEW_CERTIFICATE_PATH,
  RECORDING_TOKEN,
  Refusal,
  SANDBOX_ID,
  STEP_ID,
  verifyViewerToken,
  type LabClaims,
  type RecordingListing,
} from "@dockyard/contract/server";
import type { LabManager } from "../labs";
import type { Recordings } from "../recordings/store";
import type { TerminalClient } from "../terminal/session";
import { parseClientMessage } from "./protocol";
import { authorize, bearer } from "./auth";
import { ADMIN_PATH, adminRoute } from "./admin";
import { fileRoute } from "./files";
import { publishedPorts } from "./ports";
import { createPreview, isPreviewRequest, previewCertificateAllowed } from "./preview";
import { RECORDINGS_PATH, sendRecording } from "./recordings";
import { control, refuse } from "./sockets";
import { openWatch, WATCH_PATH } from "./watch";
import { clientAddress, SOCKET_LIMITS, SocketLimits } from "./socketLimits";
import type { Shards } from "./shards";

// The lab-runner's HTTP and WebSocket surface. Every route needs a token the site mints: a lab token bound
// to the learner and the sandbox it names for the learner's own lab, a recording or watch token for the
// recordings (/recordings/…, when the lab-runner records) and the read-only live view (/sandboxes/…/watch), an
// admin token for the host's status and any lab's stop or suspend (/admin/…, admin.ts). /health and the front
// server's /preview-certificate question need none and tell nothing private. Behind the front server only the
// terminal and watch sockets, and previews on their own origin, reach this from browsers (scripts/front/caddyfile.ts).
// With several replicas, what is about another replica's lab is forwarded to it first (shards.ts).

const MAX_BODY = 16 * 1024;
const MAX_WS_PAYLOAD = 1024 * 1024;
const SANDBOX_PATH = idPath`/sandboxes/${SANDBOX_ID}(/start|/suspend|/checks/${STEP_ID}|/setup/${STEP_ID}|/files(/list)?|/ports|/registry)?`;
const TERMINAL_PATH = idPath`/sandboxes/${SANDBOX_ID}/terminal`;

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Refusal("body_too_large", `Request body is over ${MAX_BODY} bytes.`);
    chunks.push(chunk as Buffer);
  }
  if (!size) return {};
  try {
    const value = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    if (value && typeof value === "object" && !Array.isArray(value)) return value;
  } catch {}
  throw new Refusal("bad_json", "Request body must be a JSON object.");
}

export function createServer(labs: LabManager, secret: string, recordings?: Recordings, shards?: Shards): http.Server {
  const preview = createPreview(labs, secret);
  const server = http.createServer(async (req, res) => {
    if (shards?.web(req, res)) return; // another replica's lab
    if (isPreviewRequest(req)) return preview.web(req, res);
    try {
      const url = new URL(req.url ?? "/", "http://runner");
      if (req.method === "GET" && url.pathname === "/health") return send(res, 200, { ok: true });
      if (req.method === "GET" && url.pathname === PREVIEW_CERTIFICATE_PATH)
        return (await previewCertificateAllowed(labs, url)) ? send(res, 200, { ok: true }) : send(res, 404, { ok: false });
      if (ADMIN_PATH.test(url.pathname)) return send(res, ...(await adminRoute(labs, secret, req, url, shards && ((own) => shards.withPeers(req, own)))));
      const recorded = recordings && url.pathname.match(RECORDINGS_PATH)?.[1];
      if (recorded) {
        if (req.method !== "GET") throw new Refusal("method_not_allowed", `${req.method} is not allowed here.`);
        const claims = verifyViewerToken(secret, RECORDING_TOKEN, bearer(req), recorded);
        const node = url.searchParams.get("node");
        if (node !== null) return sendRecording(recordings, res, recorded, node);
        return send(res, 200, { sandbox: recorded, lesson: claims.lesson, recordings: recordings.list(recorded) } satisfies RecordingListing);
      }
      const match = url.pathname.match(SANDBOX_PATH);
      if (!match) throw new Refusal("not_found", "No such route.");
      const [, id, action, stepId, setupStepId, list] = match;
      const claims = authorize(secret, bearer(req), id!);
      if (req.method === "POST" && action === "/start") {
        await readJson(req);
        let started = false;
        await labs.ensure(claims.learner, claims.lesson, () => (started = true));
        return send(res, 202, { sandboxId: id, started });
      }
      if (req.method === "POST" && action === "/suspend") {
        await readJson(req);
        await labs.suspend(id!);
        return send(res, 200, { suspended: id });
      }
      if (req.method === "POST" && stepId) {
        await readJson(req);
        return send(res, 200, await labs.check(id!, claims.lesson, stepId));
      }
      if (req.method === "POST" && setupStepId) {
        await readJson(req);
        await labs.prepareStep(id!, claims.lesson, setupStepId);
        return send(res, 200, { prepared: setupStepId });
      }
      if (action?.startsWith("/files")) return send(res, 200, await fileRoute(labs, claims, req, url, Boolean(list)));
      if (req.method === "GET" && action === "/ports") return send(res, 200, await publishedPorts(labs, claims));
      if (req.method === "GET" && action === "/registry") return send(res, 200, await labs.registry(id!, claims.lesson));
      if (req.method === "DELETE" && !action) {
        await labs.remove(id!);
        return send(res, 200, { removed: id });
      }
      throw new Refusal("method_not_allowed", `${req.method} is not allowed here.`);
    } catch (e) {
      if (!(e instanceof Refusal)) console.error("[lab-runner] request failed:", e);
      const refusal = e instanceof Refusal ? e : new Refusal("internal", "The lab-runner failed to handle this request.");
      send(res, refusal.status, refusal.body);
    }
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_PAYLOAD });
  const limits = new SocketLimits(SOCKET_LIMITS);
  server.on("upgrade", (req, socket, head) => {
    if (shards?.upgrade(req, socket, head)) return;
    if (isPreviewRequest(req)) return void preview.upgrade(req, socket, head);
    wss.handleUpgrade(req, socket, head, (ws) => {
      // A frame ws refuses (over maxPayload, bad UTF-8, a reserved opcode) closes the socket with its code and
      // emits "error": without a listener that would end the whole lab-runner.
      ws.on("error", () => {});
      if (!limits.allowOpen(clientAddress(req))) return refuse(ws, new Refusal("too_many_connections"));
      const url = new URL(req.url ?? "/", "http://runner");
      const watched = url.pathname.match(WATCH_PATH)?.[1];
      if (watched) void openWatch(ws, url, watched, labs, secret, limits);
      else void openTerminal(ws, url, labs, secret, limits);
    });
  });
  return server;
}

async function openTerminal(ws: WebSocket, url: URL, labs: LabManager, secret: string, limits: SocketLimits): Promise<void> {
  const id = url.pathname.match(TERMINAL_PATH)?.[1];
  if (!id) return refuse(ws, new Refusal("not_found", "No such terminal."));
  let claims: LabClaims;
  let node: string;
  try {
    claims = authorize(secret, url.searchParams.get("token"), id);
    node = labs.nodeOf(claims.lesson, url.searchParams.get("node"));
  } catch (e) {
    return refuse(ws, Refusal.from(e, "not_found"));
  }

  const release = limits.acquire(`terminal ${id}`, SOCKET_LIMITS.terminalsPerLab);
  if (!release)
    return refuse(
      ws,
      new Refusal(
        "too_many_terminals",
        `Your lab already has ${SOCKET_LIMITS.terminalsPerLab} terminals open (in other tabs or windows): close some, then reload this page.`,
      ),
    );
  ws.on("close", release);
  const closed = new AbortController(); // a lab waiting in line needs someone waiting for it
  ws.on("close", () => closed.abort());

  try {
    await labs.ensure(claims.learner, claims.lesson);
    await labs.watch(id, (m) => control(ws, m), closed.signal);
  } catch (e) {
    if (closed.signal.aborted) return;
    return refuse(ws, Refusal.from(e, "boot_failed"));
  }
  if (ws.readyState !== ws.OPEN) return;

  const session = labs.session(id, node);
  const client: TerminalClient = {
    output: (data) => ws.readyState === ws.OPEN && ws.send(data),
    control: (m) => control(ws, m),
    disconnect: (reason) => refuse(ws, new Refusal(reason)),
  };
  const detach = session.attach(client);
  ws.on("close", detach);
  ws.on("message", (raw, isBinary) => {
    if (isBinary) return control(ws, { type: "error", code: "bad_message", message: "Terminal messages must be JSON text." });
    const parsed = parseClientMessage(raw.toString());
    if (!parsed.ok) return control(ws, { type: "error", code: parsed.code, message: parsed.message });
    const m = parsed.message;
    if (m.type === "input") session.input(m.data);
    else if (m.type === "resize") session.resize(m.cols, m.rows);
    else if (m.type === "ack") session.ack(client, m.bytes);
    else void changeStep(ws, labs, id, claims.lesson, m.step);
  });
}

async function changeStep(ws: WebSocket, labs: LabManager, id: string, lessonSlug: string, step: string): Promise<void> {
  try {
    if (!labs.lesson(lessonSlug).steps.some((s) => s.id === step)) throw new Refusal("unknown_step", `Lesson “${lessonSlug}” has no step “${step}”.`);
    await labs.setStep(id, step);
  } catch (e) {
    const refusal = Refusal.from(e, "step_failed", "The step could not be recorded: ");
    control(ws, { type: "error", code: refusal.code, message: refusal.message });
  }
}
