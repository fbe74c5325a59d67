import fs from "node:fs";
import path from "node:path";
import { registryMirror } from "@dockyard/contract/server";

// Run by scripts/mirror.sh: writes the registry mirror's configuration (Debian's docker-registry, the CNCF distribution
// registry, in proxy mode) from Dockyard's settings into its directory under the state dir and prints
// "<address> <port> <directory>" as the last line of stdout, or "off" when no upstream is configured.

const mirror = registryMirror();
if (!mirror) {
  console.log("off");
} else {
  // Proxy mode is what keeps labs apart: the registry only ever stores what it fetched from the upstream, and it
  // refuses every push (blob uploads and manifest writes answer "unsupported"), so no lab can change what another pulls.
  const config = {
    version: "0.1",
    log: { level: "info", formatter: "text" },
    storage: { filesystem: { rootdirectory: path.join(mirror.dir, "data") }, cache: { blobdescriptor: "inmemory" } },
    http: { addr: `${mirror.address}:${mirror.port}`, headers: { "X-Content-Type-Options": ["nosniff"] } },
    proxy: { remoteurl: mirror.upstream },
  };
  fs.mkdirSync(path.join(mirror.dir, "data"), { recursive: true, mode: 0o700 });
  // YAML is a superset of JSON: docker-registry reads this as its config.yml.
  fs.writeFileSync(path.join(mirror.dir, "config.yml"), JSON.stringify(config, null, 2) + "\n");
  console.log(`${mirror.address} ${mirror.port} ${mirror.dir}`);
}
