import { spawnSync } from "node:child_process";
import fs from "node:fs";
import https from "node:https";
import path from "node:path";

// Other sites' pages over HTTPS, on this machine (tests/e2e/embed.spec.ts): a school's course page that embeds a
// lesson, a site nobody allowed. Each name is served on a port of its own by a Node server, with a certificate of a
// CA made here by openssl, which the browser's home (Front.browserHome) is made to trust beside the front server's.

export interface SitePage {
  /** A reserved name (RFC 6761 .test) the browser's host resolver rules map to this machine. */
  host: string;
  port: number;
  /** The page served for a path (with its query). */
  html: (url: URL) => string;
}

export class OtherSites {
  private servers: https.Server[] = [];

  constructor(
    private readonly dir: string,
    private readonly pages: SitePage[],
  ) {}

  origin(host: string): string {
    const page = this.pages.find((p) => p.host === host)!;
    return `https://${page.host}:${page.port}`;
  }

  private openssl(args: string[]): void {
    const done = spawnSync("openssl", args, { cwd: this.dir, encoding: "utf8" });
    if (done.status !== 0) throw new Error(`openssl ${args.join(" ")} failed:\n${done.stderr}`);
  }

  /** A CA, and one certificate it signs for every name. */
  private makeCertificates(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
    fs.mkdirSync(this.dir, { recursive: true });
    const key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
    this.openssl(["req", "-x509", ...key, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=Dockyard tests' other sites CA"]);
    this.openssl(["req", ...key, "-keyout", "site.key", "-out", "site.csr", "-subj", "/CN=other sites"]);
    const names = this.pages.map((p) => `DNS:${p.host}`).join(",");
    fs.writeFileSync(path.join(this.dir, "site.ext"), `subjectAltName=${names}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
    this.openssl([
      "x509",
      "-req",
      "-in",
      "site.csr",
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "site.crt",
      "-days",
      "2",
      "-extfile",
      "site.ext",
    ]);
  }

  /** Serves the pages; `browserHome` (whose NSS database the front server made) trusts their CA from then on. */
  async start(browserHome: string): Promise<void> {
    this.makeCertificates();
    const tls = { key: fs.readFileSync(path.join(this.dir, "site.key")), cert: fs.readFileSync(path.join(this.dir, "site.crt")) };
    for (const page of this.pages) {
      const server = https.createServer(tls, (req, res) =>
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(page.html(new URL(req.url!, this.origin(page.host)))),
      );
      await new Promise<void>((resolve, reject) => server.once("error", reject).listen(page.port, "127.0.0.1", resolve));
      this.servers.push(server);
    }
    const db = `sql:${path.join(browserHome, ".pki", "nssdb")}`;
    const done = spawnSync("certutil", ["-A", "-d", db, "-n", "dockyard-test-other-sites", "-t", "C,,", "-i", path.join(this.dir, "ca.crt")], {
      encoding: "utf8",
    });
    if (done.status !== 0) throw new Error(`certutil failed:\n${done.stdout}${done.stderr}`);
  }

  async stop(): Promise<void> {
    await Promise.all(this.servers.map((server) => new Promise((resolve) => server.close(resolve))));
    this.servers = [];
  }
}
