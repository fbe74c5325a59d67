import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import os from "node:os";
import path from "node:path";
import { checkSchema } from "@dockyard/contract/server";
import { clusterApiFromKubeconfig } from "../../lab-runner/src/kubernetes/api";
import { apiServerSilent } from "../../lab-runner/src/sandbox/kubernetes/client";
import { judge } from "../../lab-runner/src/checks/judge";
import { API_SILENT } from "../../lab-runner/src/checks/kubernetes/cluster";
import { clusterContext } from "../support/fake-cluster";

// The seam to a lab's cluster: a kubeconfig becomes the client's APIs and the service proxy's one GET, both over
// TLS with the kubeconfig's CA and client certificate. The API server is a stand-in on loopback that checks the
// client's certificate and answers a few paths as the real one does.

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockyard-kube-api-"));
const pem = (name: string) => fs.readFileSync(path.join(dir, name));
function selfSigned(name: string, subject: string, san?: string) {
  const extensions = san ? ["-addext", `subjectAltName=${san}`] : [];
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      "1",
      "-subj",
      subject,
      ...extensions,
      "-keyout",
      path.join(dir, `${name}.key`),
      "-out",
      path.join(dir, `${name}.crt`),
    ],
    { stdio: "ignore" },
  );
}

const seen: { url: string; user: string | string[] | undefined }[] = [];
let server: https.Server;
let port: number;

const kubeconfig = (serverUrl: string) => {
  const data = (name: string) => pem(name).toString("base64");
  return `apiVersion: v1
kind: Config
clusters:
- name: lab
  cluster:
    server: ${serverUrl}
    certificate-authority-data: ${data("server.crt")}
users:
- name: learner
  user:
    client-certificate-data: ${data("client.crt")}
    client-key-data: ${data("client.key")}
contexts:
- name: lab
  context: {cluster: lab, user: learner}
current-context: lab
`;
};

before(async () => {
  selfSigned("server", "/CN=kube-apiserver", "IP:127.0.0.1");
  selfSigned("client", "/CN=learner/O=system:masters");
  server = https.createServer(
    { key: pem("server.key"), cert: pem("server.crt"), ca: pem("client.crt"), requestCert: true, rejectUnauthorized: true },
    (req, res) => {
      const user = (req.socket as TLSSocket).getPeerCertificate().subject?.CN;
      seen.push({ url: req.url ?? "", user });
      const json = (status: number, body: object) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      if (req.url === "/api/v1/namespaces/default/pods/web")
        return json(200, {
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name: "web", namespace: "default" },
          spec: { containers: [{ name: "web", image: "nginx:1.25" }] },
          status: { phase: "Running" },
        });
      if (req.url?.includes("/slow")) return; // never answers
      if (req.url === "/api/v1/namespaces/default/services/web:80/proxy/health?full=1") return res.writeHead(200, { "content-type": "text/plain" }).end("ok");
      json(404, {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: "the server could not find the requested resource",
        reason: "NotFound",
        code: 404,
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

after(() => {
  server.closeAllConnections();
  server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test("the client's APIs read objects with the kubeconfig's credentials; a 404 is an absent object", async () => {
  const api = clusterApiFromKubeconfig(kubeconfig(`https://127.0.0.1:${port}/`));
  const pod = await api.core.readNamespacedPod({ name: "web", namespace: "default" });
  assert.equal(pod.spec?.containers[0]?.image, "nginx:1.25");
  assert.deepEqual(seen.at(-1), { url: "/api/v1/namespaces/default/pods/web", user: "learner" });

  const ctx = clusterContext(undefined, api);
  const verdict = await judge([checkSchema.parse({ kind: "pod", name: "web", phase: "Running", image: "nginx:1.25" })], ctx);
  assert.deepEqual(
    verdict.criteria.map((c) => c.message),
    ["The pod “web” exists.", "The pod “web” is Running.", "The pod “web” runs nginx:1.25."],
  );
  const absent = await judge([checkSchema.parse({ kind: "pod", name: "db" })], ctx);
  assert.equal(absent.message, "No pod named “db” exists in namespace default.");
});

test("the service proxy is one GET through the API server, with the same credentials", async () => {
  const api = clusterApiFromKubeconfig(kubeconfig(`https://127.0.0.1:${port}`));
  assert.deepEqual(await api.serviceProxy("default", "web", 80, "/health?full=1"), { status: 200, body: "ok" });
  assert.deepEqual(seen.at(-1), { url: "/api/v1/namespaces/default/services/web:80/proxy/health?full=1", user: "learner" });
  const missing = await api.serviceProxy("default", "db", 5432, "/");
  assert.equal(missing.status, 404);
  assert.match(missing.body, /"kind":"Status"/);
});

test("an API server that does not answer is told apart from one that answers with an error", async () => {
  const closed = https.createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const closedPort = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  const api = clusterApiFromKubeconfig(kubeconfig(`https://127.0.0.1:${closedPort}`));

  const verdict = await judge([checkSchema.parse({ kind: "service", name: "web", answers: true })], clusterContext(undefined, api));
  assert.deepEqual(verdict.criteria, [{ name: "API server answers", passed: false, message: API_SILENT }]);
  await assert.rejects(api.serviceProxy("default", "web", 80, "/"), (e) => apiServerSilent(e));

  const answered = await clusterApiFromKubeconfig(kubeconfig(`https://127.0.0.1:${port}`))
    .apps.readNamespacedDeployment({ name: "web", namespace: "default" })
    .catch((e: unknown) => e);
  assert.equal((answered as { code?: number }).code, 404);
  assert.ok(!apiServerSilent(answered));
});

test("a kubeconfig without a current cluster is refused", () => {
  assert.throws(() => clusterApiFromKubeconfig("apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n"), /names no current cluster/);
});

test("a request left without an answer times out as silence, whether to the API or through the service proxy", async () => {
  const api = clusterApiFromKubeconfig(kubeconfig(`https://127.0.0.1:${port}`), { timeoutMs: 300 });
  await assert.rejects(api.core.readNamespacedPod({ name: "slow", namespace: "default" }), (e) => apiServerSilent(e));
  await assert.rejects(api.serviceProxy("default", "slow", 80, "/"), (e) => apiServerSilent(e) && (e as Error).message === "no answer within 0.3 s");
});
