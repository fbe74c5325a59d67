import fs from "node:fs";
import path from "node:path";
import { frontDir, frontHttpPort, frontTls, previewUrl, publicUrl, runnerUrl, siteUrl, frontStorageDir } from "@dockyard/contract/server";
import { caddyfile, tlsOf, type FrontPlan } from "./front/caddyfile";
import { checkOrigins, FrontSettingError } from "./front/origins";

// Run by scripts/front.sh: writes the front server's Caddyfile from Dockyard's settings into its directory under
// the state dir and prints its path (the last line of stdout); what it serves, and what to look out for, go to
// stderr. A setting that cannot work (no public address, a preview address same-site with it, a certificate mode
// without its files) stops it with the reason.

const say = (line: string) => console.error(`[front] ${line}`);

let plan: FrontPlan;
try {
  plan = {
    origins: checkOrigins(publicUrl(), previewUrl()),
    site: new URL(siteUrl()).host,
    runner: new URL(runnerUrl()).host,
    tls: tlsOf(frontTls()),
    httpPort: frontHttpPort(),
    storage: frontStorageDir(),
  };
} catch (e) {
  if (!(e instanceof FrontSettingError)) throw e;
  say(e.message);
  process.exit(2);
}

fs.mkdirSync(frontDir(), { recursive: true, mode: 0o700 });
const file = path.join(frontDir(), "Caddyfile");
fs.writeFileSync(file, caddyfile(plan));

const { origins, tls } = plan;
say(`Dockyard on ${origins.public.origin} (plain HTTP on port ${plan.httpPort} redirects there)`);
if (!origins.preview) say("web previews are off: DOCKYARD_PREVIEW_URL gives them an origin of their own (README, Run it for a class)");
else say(`web previews on ${origins.preview.url.origin}${origins.preview.wildcard ? "" : "/preview/"}`);
if (tls.mode === "internal")
  say(`certificates from the front server's own CA: browsers must trust ${path.join(plan.storage, "pki/authorities/local/root.crt")}`);
if (tls.mode === "acme" && origins.preview && !origins.preview.wildcard && /^[\d.]+$|:/.test(origins.preview.url.hostname))
  say("an address gets no ACME certificate: its previews get one of the front server's own CA, which browsers warn about (give DOCKYARD_TLS=files)");
console.log(file);
