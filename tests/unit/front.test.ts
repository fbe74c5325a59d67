import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { previewLink, previewOfHost, previewUrl, runnerPublicUrl, secureCookies } from "@dockyard/contract/server";
import { caddyfile, tlsOf, type FrontPlan } from "../../scripts/front/caddyfile";
import { checkOrigins, FrontSettingError } from "../../scripts/front/origins";

// The front server's Caddyfile as scripts/front.ts writes it from the settings, the refusal of a preview address
// that is same-site with the public one, and the preview host names the site links to and the lab-runner reads.

const plan = (publicUrl: string, previewUrl: string | undefined, tls: FrontPlan["tls"]): FrontPlan => ({
  origins: checkOrigins(publicUrl, previewUrl),
  site: "127.0.0.1:3000",
  runner: "127.0.0.1:3001",
  tls,
  httpPort: 80,
  storage: "/var/lib/dockyard/front/caddy",
});

test("the public origin serves the site, and the lab-runner only for its terminal and watch WebSockets, with HSTS", () => {
  const file = caddyfile(plan("https://labs.example.org", "https://*.preview.example.net", { mode: "acme", email: "ops@example.org" }));
  assert.equal(
    file,
    `{
	admin off
	storage file_system {
		root /var/lib/dockyard/front/caddy
	}
	http_port 80
	email ops@example.org
	skip_install_trust
	on_demand_tls {
		ask http://127.0.0.1:3001/preview-certificate
	}
}

https://labs.example.org {
	header Strict-Transport-Security "max-age=31536000"
	@runner {
		path_regexp ^/sandboxes/[a-z0-9-]+/(terminal|watch)$
		header_regexp Upgrade (?i)^websocket$
	}
	handle @runner {
		reverse_proxy 127.0.0.1:3001
	}
	handle {
		reverse_proxy 127.0.0.1:3000
	}
}

https://*.preview.example.net {
	tls {
		on_demand
	}
	reverse_proxy 127.0.0.1:3001
}
`,
  );
});

test("the front server's own CA, offline: every site says tls internal, wildcard previews on demand", () => {
  const file = caddyfile(plan("https://dockyard.test:18443", "https://*.preview.dockyard-preview.test:18443", { mode: "internal" }));
  assert.match(file, /^https:\/\/dockyard\.test:18443 \{\n\ttls internal\n/m);
  assert.match(
    file,
    /^https:\/\/\*\.preview\.dockyard-preview\.test:18443 \{\n\ttls internal \{\n\t\ton_demand\n\t\}\n\treverse_proxy 127\.0\.0\.1:3001\n\}$/m,
  );
  assert.doesNotMatch(file, /email/);
});

test("a given certificate serves both origins, with no on-demand certificates", () => {
  const tls = tlsOf({ mode: "files", certFile: "/etc/dockyard/cert.pem", keyFile: "/etc/dockyard/key.pem" });
  const file = caddyfile(plan("https://labs.example.org", "https://*.preview.example.net", tls));
  assert.equal(file.match(/^\ttls \/etc\/dockyard\/cert\.pem \/etc\/dockyard\/key\.pem$/gm)?.length, 2);
  assert.doesNotMatch(file, /on_demand/);
});

test("previews on an address of their own: only /preview/ reaches the lab-runner there", () => {
  const file = caddyfile(plan("https://labs.example.org", "https://203.0.113.8", { mode: "internal" }));
  assert.match(
    file,
    /^https:\/\/203\.0\.113\.8 \{\n\ttls internal\n\thandle \/preview\/\* \{\n\t\treverse_proxy 127\.0\.0\.1:3001\n\t\}\n\thandle \{\n\t\trespond "[^"]+" 404\n\t\}\n\}$/m,
  );
  assert.doesNotMatch(file, /on_demand/);
});

test("without a preview address the front server serves the public origin alone", () => {
  const file = caddyfile(plan("https://labs.example.org", undefined, { mode: "acme" }));
  assert.equal(file.match(/^\S.* \{$/gm)?.join(" "), "https://labs.example.org {");
  assert.doesNotMatch(file, /on_demand|email/);
});

test("Debian's Caddy reads every shape of the Caddyfile, formatted as it would format it", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockyard-caddyfile-"));
  const files = { mode: "files", certFile: "/etc/dockyard/cert.pem", keyFile: "/etc/dockyard/key.pem" } as const;
  const shapes: [string, string | undefined, FrontPlan["tls"]][] = [
    ["https://labs.example.org", "https://*.preview.example.net", { mode: "acme", email: "ops@example.org" }],
    ["https://dockyard.test:18443", "https://*.preview.dockyard-preview.test:18443", { mode: "internal" }],
    ["https://labs.example.org", "https://203.0.113.8", files],
    ["https://labs.example.org", undefined, { mode: "acme" }],
  ];
  for (const [publicUrl, previewUrl, tls] of shapes) {
    const file = path.join(dir, "Caddyfile");
    fs.writeFileSync(file, caddyfile(plan(publicUrl, previewUrl, tls)));
    const adapted = spawnSync("caddy", ["adapt", "--adapter", "caddyfile", "--config", file], { encoding: "utf8" });
    assert.equal(adapted.status, 0, adapted.stderr);
    assert.doesNotMatch(adapted.stderr, /warn/i, `${publicUrl} ${previewUrl}`);
    assert.ok(JSON.parse(adapted.stdout).apps.http, `${publicUrl} ${previewUrl}`);
  }
  fs.rmSync(dir, { recursive: true });
});

test("certificate modes: acme by default, internal, files with both files; anything else is explained", () => {
  assert.deepEqual(tlsOf({ mode: "acme" }), { mode: "acme", email: undefined });
  assert.deepEqual(tlsOf({ mode: "internal" }), { mode: "internal" });
  assert.throws(() => tlsOf({ mode: "files", certFile: "/c.pem" }), /DOCKYARD_TLS=files needs DOCKYARD_TLS_CERT_FILE and DOCKYARD_TLS_KEY_FILE/);
  assert.throws(() => tlsOf({ mode: "letsencrypt" }), /DOCKYARD_TLS=letsencrypt is not a certificate mode: acme, internal or files/);
});

test("a preview address same-site with the public one is refused, saying why", () => {
  const sameSite: [string, string, string][] = [
    ["https://labs.example.org", "https://*.preview.example.org", "example.org"],
    ["https://example.org", "https://*.example.org", "example.org"],
    ["https://labs.school.ac.uk", "https://previews.school.ac.uk", "school.ac.uk"],
    ["https://203.0.113.8", "https://203.0.113.8:8443", "203.0.113.8"],
    ["https://labs.example.org:8443", "https://labs.example.org:9443", "example.org"],
  ];
  for (const [publicUrl, previewUrl, site] of sameSite)
    assert.throws(
      () => checkOrigins(publicUrl, previewUrl),
      (e) => e instanceof FrontSettingError && e.message.includes(`same-site`) && e.message.includes(`(both are ${site})`),
      `${publicUrl} / ${previewUrl}`,
    );
  const ownSite: [string, string][] = [
    ["https://labs.example.org", "https://*.preview.example.net"],
    ["https://labs.example.org", "https://203.0.113.8"],
    ["https://203.0.113.7", "https://203.0.113.8"],
    ["https://dockyard.test:18443", "https://*.preview.dockyard-preview.test:18443"],
    ["https://ann.github.io", "https://*.bob.github.io"], // the public suffix list's private part: github.io's sites are each user's
  ];
  for (const [publicUrl, previewUrl] of ownSite) assert.equal(checkOrigins(publicUrl, previewUrl).preview?.url.origin, new URL(previewUrl).origin);
});

test("the addresses must be https origins; a public one is required", () => {
  const refused: [string | undefined, string | undefined, RegExp][] = [
    [undefined, undefined, /DOCKYARD_PUBLIC_URL is not set/],
    ["http://labs.example.org", undefined, /must start with https:\/\//],
    ["https://labs.example.org/dockyard", undefined, /without a path/],
    ["labs.example.org", undefined, /is not a URL/],
    ["https://labs.example.org", "https://preview.*.example.net", /a wildcard may only be the first label/],
    ["https://labs.example.org", "http://*.preview.example.net", /DOCKYARD_PREVIEW_URL=.* must start with https:\/\//],
  ];
  for (const [publicUrl, previewUrl, message] of refused) assert.throws(() => checkOrigins(publicUrl, previewUrl), message, `${publicUrl} ${previewUrl}`);
  assert.equal(checkOrigins("https://labs.example.org/", undefined).preview, undefined);
});

test("a preview's host name names its sandbox, node and port, and reads back; other hosts name none", () => {
  const target = { sandbox: "dy-0123456789abcdef0123", node: "node2", port: 8080 };
  const wildcard = "https://*.preview.example.net";
  assert.equal(previewLink(wildcard, target), "https://dy-0123456789abcdef0123-node2-8080.preview.example.net/");
  assert.equal(previewLink("https://203.0.113.8/", target), "https://203.0.113.8/preview/dy-0123456789abcdef0123/node2/8080/");
  assert.deepEqual(previewOfHost("dy-0123456789abcdef0123-node2-8080.preview.example.net", wildcard), target);
  assert.deepEqual(previewOfHost("DY-0123456789ABCDEF0123-NODE2-8080.preview.example.net:443", wildcard), target);
  for (const host of [
    "labs.example.org",
    "preview.example.net",
    "dy-0123456789abcdef0123-node2-8080.evil.example.net",
    "dy-0123456789abcdef0123-node9-8080.preview.example.net",
    "dy-0123456789abcdef0123-node2-99999.preview.example.net",
    "dy-0123456789abcdef0123-node2-0.preview.example.net",
    "x.dy-0123456789abcdef0123-node2-8080.preview.example.net",
    undefined,
  ])
    assert.equal(previewOfHost(host, wildcard), undefined, host);
  assert.equal(previewOfHost("dy-0123456789abcdef0123-node2-8080.preview.example.net", "https://203.0.113.8"), undefined);
});

test("under DOCKYARD_PUBLIC_URL the terminal's WebSocket is on that origin and previews are off unless given an address", (t) => {
  const names = ["DOCKYARD_PUBLIC_URL", "DOCKYARD_PREVIEW_URL", "DOCKYARD_RUNNER_PUBLIC_URL", "DOCKYARD_RUNNER_PORT"] as const;
  const saved = Object.fromEntries(names.map((name) => [name, process.env[name]]));
  t.after(() => names.forEach((name) => (saved[name] === undefined ? delete process.env[name] : (process.env[name] = saved[name]))));
  names.forEach((name) => delete process.env[name]);
  assert.deepEqual([runnerPublicUrl(), previewUrl(), secureCookies()], ["ws://localhost:3001", "http://localhost:3001", false]); // as in development

  process.env.DOCKYARD_PUBLIC_URL = "https://labs.example.org/";
  assert.deepEqual([runnerPublicUrl(), previewUrl(), secureCookies()], ["wss://labs.example.org", undefined, true]);
  process.env.DOCKYARD_PUBLIC_URL = "https://dockyard.test:3463";
  process.env.DOCKYARD_PREVIEW_URL = "https://*.preview.dockyard-preview.test:3463";
  assert.deepEqual([runnerPublicUrl(), previewUrl()], ["wss://dockyard.test:3463", "https://*.preview.dockyard-preview.test:3463"]);
});
