import { PREVIEW_CERTIFICATE_PATH } from "@dockyard/contract/server";
import { FrontSettingError, type Origins } from "./origins";

// The front server's configuration, a Caddyfile, written from Dockyard's settings (scripts/front.ts) and run by
// Debian's Caddy (scripts/front.sh). The public origin serves the site, except the lab-runner's browser-facing
// WebSockets (terminal and live view), which go to the lab-runner; nothing else of the lab-runner (its lab API,
// admin routes) is reachable there. Previews are served on their origin of their own: every path of a wildcard
// preview host name (the lab-runner tells the preview by the Host), or /preview/ on a preview address. Plain HTTP
// redirects to HTTPS (Caddy's automatic HTTPS), and the public origin sends HSTS.

export type FrontTls = { mode: "acme"; email?: string } | { mode: "internal" } | { mode: "files"; certFile: string; keyFile: string };

export interface FrontPlan {
  origins: Origins;
  /** host:port of the site and of the lab-runner: on loopback, or their Services in a cluster. */
  site: string;
  runner: string;
  tls: FrontTls;
  /** Plain HTTP: the redirects to HTTPS, and ACME's HTTP challenge. */
  httpPort: number;
  /** Caddy's certificates, its own CA and ACME account. */
  storage: string;
}

/** The lab-runner's WebSockets browsers open (lab-runner/src/http/server.ts, watch.ts); the lab-runner checks the id. */
const RUNNER_SOCKETS = "^/sandboxes/[a-z0-9-]+/(terminal|watch)$";

/** A year; browsers keep to HTTPS for the public name that long after each visit. */
export const HSTS = "max-age=31536000";

/** The TLS mode from its settings (config.ts frontTls); a FrontSettingError says what is missing. */
export function tlsOf(settings: { mode: string; certFile?: string; keyFile?: string; acmeEmail?: string }): FrontTls {
  if (settings.mode === "acme") return { mode: "acme", email: settings.acmeEmail };
  if (settings.mode === "internal") return { mode: "internal" };
  if (settings.mode === "files") {
    if (!settings.certFile || !settings.keyFile)
      throw new FrontSettingError("DOCKYARD_TLS=files needs DOCKYARD_TLS_CERT_FILE and DOCKYARD_TLS_KEY_FILE (PEM files).");
    return { mode: "files", certFile: settings.certFile, keyFile: settings.keyFile };
  }
  throw new FrontSettingError(`DOCKYARD_TLS=${settings.mode} is not a certificate mode: acme, internal or files.`);
}

/** The tls directive of a site block; on-demand for wildcard preview names (each host gets its own certificate when first asked for). */
function tls(plan: FrontPlan, onDemand: boolean): string[] {
  const { tls } = plan;
  if (tls.mode === "files") return [`tls ${tls.certFile} ${tls.keyFile}`];
  const issuer = tls.mode === "internal" ? "tls internal" : "tls";
  if (onDemand) return [`${issuer} {`, "\ton_demand", "}"];
  return tls.mode === "internal" ? [issuer] : [];
}

const block = (head: string, body: string[]) => [`${head} {`, ...body.map((line) => `\t${line}`), "}"];

export function caddyfile(plan: FrontPlan): string {
  const { origins } = plan;
  const preview = origins.preview;
  const onDemand = preview?.wildcard === true && plan.tls.mode !== "files";
  const global = [
    "admin off",
    ...block("storage file_system", [`root ${plan.storage}`]),
    `http_port ${plan.httpPort}`,
    ...(plan.tls.mode === "acme" && plan.tls.email ? [`email ${plan.tls.email}`] : []),
    "skip_install_trust",
    ...(onDemand ? block("on_demand_tls", [`ask http://${plan.runner}${PREVIEW_CERTIFICATE_PATH}`]) : []),
  ];
  const publicSite = [
    ...tls(plan, false),
    `header Strict-Transport-Security "${HSTS}"`,
    ...block("@runner", [`path_regexp ${RUNNER_SOCKETS}`, "header_regexp Upgrade (?i)^websocket$"]),
    ...block("handle @runner", [`reverse_proxy ${plan.runner}`]),
    ...block("handle", [`reverse_proxy ${plan.site}`]),
  ];
  const sites = [block("", global), block(origins.public.origin, publicSite)];
  if (preview?.wildcard) sites.push(block(preview.url.origin, [...tls(plan, onDemand), `reverse_proxy ${plan.runner}`]));
  else if (preview)
    sites.push(
      block(preview.url.origin, [
        ...tls(plan, false),
        ...block("handle /preview/*", [`reverse_proxy ${plan.runner}`]),
        ...block("handle", ['respond "Web previews are under /preview/ on this address." 404']),
      ]),
    );
  return `${sites.map((lines) => lines.join("\n").replace(/^ \{/, "{")).join("\n\n")}\n`;
}
