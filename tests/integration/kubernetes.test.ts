import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import Dockerode from "dockerode";
import { DockerSandboxDriver } from "../../lab-runner/src/sandbox/docker";
import { LabManager } from "../../lab-runner/src/labs";
import { engineSocket, parseLesson, type ServerMessage } from "@dockyard/contract/server";
import { spawnPty } from "../../lab-runner/src/terminal/pty";

// A Kubernetes lab of two nodes and one fake node on the REAL engine, through the real LabManager: the cluster boots
// inside the sandboxes (control plane on node1, a kubelet on each node, never --privileged), pods run from course
// images without pulls on both nodes and reach each other, services and cluster DNS answer, port-forward works, the
// learner's kubectl is set up, and a suspended lab comes back with its cluster's state. Prerequisites:
// `bash scripts/engine.sh start`, `bash scripts/images.sh` and `bash scripts/kubernetes/build.sh`.

const SLUG = "kubernetes-it";
const step = (id: string, checks: string) => `<Step id="${id}" title="${id}">\n\n\`\`\`check\n${checks}\n\`\`\`\n</Step>\n\n`;
const LESSON = parseLesson(
  "---\ntitle: K\nsummary: S\norder: 1\nminutes: 5\nimages: [busybox]\nnodes: 2\nkubernetes: {fakeNodes: 1}\n---\n\n" +
    step("pods", "kind: pod\nselector: app=web\ncount: 2\nphase: Running\nready: true\nimage: busybox:1.35") +
    step(
      "deployment",
      "- kind: deployment\n  name: web\n  replicas: 2\n  readyReplicas: 2\n  available: true\n  image: busybox:1.35\n  selector: app=web\n- kind: replicaset\n  deployment: web\n  count: 1\n  replicas: 2",
    ) +
    step(
      "service",
      "kind: service\nname: web\ntype: ClusterIP\nport: 80\nselector: app=web\nendpoints: 2\nselectsPods: true\nanswers: {path: /, bodyContains: hello from web-}",
    ) +
    step(
      "nodes",
      "- kind: kubernetes-node\n  count: 3\n  ready: true\n- kind: kubernetes-node\n  name: fake-node-1\n  fake: true\n- kind: pod\n  name: client\n  onNode: node2",
    ) +
    step(
      "wrong",
      "- kind: deployment\n  name: web\n  replicas: 3\n- kind: pod\n  selector: app=web\n  image: busybox:9\n- kind: service\n  name: web\n  answers: {path: /, bodyContains: goodbye}\n- kind: service\n  name: nope\n- kind: replicaset\n  deployment: web\n  count: 2\n- kind: kubernetes-node\n  name: node2\n  fake: true",
    ),
  "lesson.mdx",
  SLUG,
);

const driver = new DockerSandboxDriver();
const engine = new Dockerode({ socketPath: engineSocket() });
const labs = new LabManager(driver, { idleTimeoutMs: 3_600_000, findLesson: (slug) => (slug === SLUG ? LESSON : undefined), spawnPty });
let lab = "";

/** Runs a script in a node as the learner's shell would (kubectl from PATH, ~/.kube/config). */
async function sh(node: string, script: string): Promise<string> {
  const result = await driver.exec(lab, ["bash", "-c", `cd && ${script}`], { node, timeoutMs: 180_000 });
  assert.equal(result.exitCode, 0, `${node}: ${script}\n${result.output}`);
  return result.output;
}

before(() => engine.ping());
after(async () => {
  if (lab) await labs.remove(lab);
});

describe("a Kubernetes lab of two nodes", { timeout: 900_000 }, () => {
  test("boots through the cluster stage, saying what it does; node1, node2 and the fake node are Ready at v1.34.4", async () => {
    const t0 = performance.now();
    lab = await labs.ensure(`k8s-it-${process.pid}`, SLUG);
    const seen: ServerMessage[] = [];
    await labs.watch(lab, (m) => seen.push(m));
    console.log(`# 2-node Kubernetes lab, cold start until ready: ${Math.round(performance.now() - t0)} ms`);
    const details = seen.flatMap((m) => (m.type === "stage" && m.stage === "cluster" ? [m.detail] : []));
    for (const expected of ["starting the API server", "node2 joining", "cluster DNS and 1 fake nodes", "waiting for 3 nodes to be Ready"])
      assert.ok(details.includes(expected), `the page is told "${expected}": ${JSON.stringify(details)}`);
    assert.equal(seen.at(-1)?.type, "ready");

    const nodes = await sh("node2", "kubectl get nodes --no-headers | awk '{print $1, $2, $5}'");
    assert.deepEqual(nodes.trim().split("\n").sort(), ["fake-node-1 Ready kwok-v0.8.0", "node1 Ready v1.34.4", "node2 Ready v1.34.4"]);
    assert.match(await sh("node1", "kubectl get node fake-node-1 -o jsonpath='{.spec.taints[0].key}'"), /^kwok.x-k8s.io\/node$/);
    const version = JSON.parse(await sh("node1", "kubectl version -o json"));
    assert.equal(version.clientVersion.gitVersion, "v1.34.4");
    assert.equal(version.serverVersion.gitVersion, "v1.34.4");
  });

  test("each node runs with the raised pids limit, unprivileged, with the binaries read-only", async () => {
    for (const node of ["node1", "node2"]) {
      const [container] = await engine.listContainers({ filters: { label: [`dockyard.lab=${lab}`, `dockyard.node=${node}`] } });
      const info = await engine.getContainer(container!.Id).inspect();
      assert.equal(info.HostConfig.PidsLimit, 2048);
      assert.equal(info.HostConfig.Privileged, false);
      const bin = info.Mounts.find((m) => m.Destination === "/opt/dockyard/kubernetes/bin");
      assert.equal(bin?.RW, false, "the binaries are mounted read-only");
    }
    assert.notEqual((await driver.exec(lab, ["sh", "-c", "touch /opt/dockyard/kubernetes/bin/kubectl"], { timeoutMs: 10_000 })).exitCode, 0);
  });

  test("the learner's shell has kubectl with bash completion", async () => {
    assert.match(await sh("node1", "source /etc/bash_completion.d/kubectl && complete -p kubectl"), /complete .*kubectl/);
    assert.match(await sh("node2", "cat ~/.kube/config"), /server: "https:\/\/[\d.]+:6443"/);
  });

  test("pods run on both nodes from a course image without a pull; a service and its DNS name answer across nodes", async () => {
    await sh(
      "node1",
      `kubectl create deployment web --image busybox:1.35 --replicas 2 -- sh -c 'mkdir /w && echo hello from $(hostname) > /w/index.html && httpd -f -p 80 -h /w' &&
       kubectl expose deployment web --port 80 &&
       kubectl run client --image busybox:1.35 --overrides '{"spec":{"nodeName":"node2"}}' -- sleep 1d &&
       kubectl rollout status deployment/web --timeout 120s && kubectl wait --for=condition=Ready pod/client --timeout 120s`,
    );
    const events = await sh("node1", "kubectl get events -A -o jsonpath='{.items[*].reason}'");
    assert.doesNotMatch(events, /Pulling|ErrImagePull/, "no image was pulled");
    const answers = await sh("node1", "for i in 1 2 3 4 5 6; do kubectl exec client -- wget -qO- http://web.default.svc.cluster.local/; done");
    assert.match(answers, /hello from web-/);
    const podIp = (await sh("node1", "kubectl get pod -l app=web -o jsonpath='{.items[0].status.podIP}'")).trim();
    assert.match(await sh("node2", `kubectl exec client -- wget -qO- http://${podIp}/`), /hello from web-/, "a pod on node2 reaches a pod by its IP");
  });

  test("checks of every cluster kind pass on the cluster's real state and fail, saying why, where it differs", async () => {
    for (const id of ["pods", "deployment", "service", "nodes"]) {
      const result = await labs.check(lab, SLUG, id);
      assert.equal(result.passed, true, `${id}: ${result.message}`);
    }
    const wrong = await labs.check(lab, SLUG, "wrong");
    assert.equal(wrong.passed, false);
    const failed = wrong.criteria.filter((c) => !c.passed).map((c) => c.message);
    assert.equal(failed.length, 6, failed.join("\n"));
    assert.match(failed.join("\n"), /replicas/);
    assert.match(failed.join("\n"), /busybox:9/);
    assert.match(failed.join("\n"), /goodbye/);
    assert.match(failed.join("\n"), /nope/);
    assert.match(failed.join("\n"), /ReplicaSet/i);
    assert.match(failed.join("\n"), /node2/);
    await sh("node1", "kubectl scale deployment web --replicas 3 && kubectl rollout status deployment/web --timeout 120s");
    assert.equal((await labs.check(lab, SLUG, "deployment")).passed, false, "two replicas asked, three run");
    await sh("node1", "kubectl scale deployment web --replicas 2 && kubectl rollout status deployment/web --timeout 120s");
  });

  const TWO_READY = "kubectl wait deployment/web --for=jsonpath='{.status.readyReplicas}'=2 --timeout 60s";
  test("equivalent commands pass alike: scale, patch, and apply of an edited manifest", async () => {
    const forms = [
      "kubectl scale deployment/web --replicas=2",
      `kubectl patch deployment web --type merge --patch '{"spec":{"replicas":2}}'`,
      "kubectl get deployment web -o yaml | sed 's/^  replicas: 3$/  replicas: 2/' > /tmp/web.yaml && kubectl apply --filename /tmp/web.yaml",
    ];
    for (const form of forms) {
      await sh("node1", "kubectl scale deployment web --replicas 3 && kubectl rollout status deployment/web --timeout 120s");
      assert.equal((await labs.check(lab, SLUG, "deployment")).passed, false, "three replicas run, two are asked");
      // rollout status returns once two replicas are available; the third pod's readiness leaves the deployment's
      // status a moment later, and the check judges the status.
      await sh("node1", `${form} && kubectl rollout status deployment/web --timeout 120s && ${TWO_READY}`);
      const result = await labs.check(lab, SLUG, "deployment");
      assert.equal(result.passed, true, `${form}: ${result.message}`);
    }
  });

  test("a pod reaches its node's package server, but not a listener on the host at the lab's gateway", async () => {
    const listener = net.createServer((c) => c.end("host service\n"));
    await new Promise<void>((resolve) => listener.listen(0, "0.0.0.0", resolve));
    try {
      const port = (listener.address() as net.AddressInfo).port;
      const [node1] = await engine.listContainers({ filters: { label: [`dockyard.lab=${lab}`, "dockyard.node=node1"] } });
      const gateway = Object.values((await engine.getContainer(node1!.Id).inspect()).NetworkSettings.Networks)[0]!.Gateway;
      const hostAnswer = await new Promise<string>((resolve) => net.connect(port, gateway).on("data", (d) => resolve(d.toString())));
      assert.equal(hostAnswer, "host service\n", "control: the listener answers on the gateway address");
      const own = await sh("node1", "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | kubectl exec -i client -- nc -w 3 10.220.0.1 3142 | head -1");
      assert.match(own, /^HTTP\/1\.[01] /, "control: the pod reaches its node's package server");
      const host = await sh("node1", `kubectl exec client -- nc -w 3 ${gateway} ${port} 2>&1; echo "rc=$?"`);
      assert.doesNotMatch(host, /host service/, `a pod reached the host at ${gateway}:${port}`);
    } finally {
      listener.close();
    }
  });

  test("a learner's rewritten kubeconfig on node1 cannot send the checks elsewhere", async () => {
    await sh(
      "node1",
      'cp /etc/kubernetes/admin.kubeconfig /tmp/admin.bak && sed -i \'s#server: "[^"]*"#server: "https://127.0.0.1:9"#\' /etc/kubernetes/admin.kubeconfig',
    );
    try {
      assert.match(await sh("node1", "grep -o 'server: [^,]*' /etc/kubernetes/admin.kubeconfig"), /127\.0\.0\.1:9/);
      const result = await labs.check(lab, SLUG, "pods");
      assert.equal(result.passed, true, result.message);
    } finally {
      await sh("node1", "cp /tmp/admin.bak /etc/kubernetes/admin.kubeconfig");
    }
  });

  test("kubectl port-forward and logs work", async () => {
    const out = await sh(
      "node1",
      "(kubectl port-forward service/web 18080:80 >/tmp/pf.log 2>&1 &) ; for i in $(seq 50); do curl -s localhost:18080/ && break; sleep 0.2; done; kill %1 2>/dev/null; pkill -x kubectl; true",
    );
    assert.match(out, /hello from web-/);
    assert.match(await sh("node1", "kubectl logs deployment/web --tail 5 || true; kubectl get pods"), /client\s+1\/1\s+Running/);
  });

  test("a suspended lab resumes with its cluster's state: the deployment is back, Ready", async () => {
    await labs.suspend(lab);
    await labs.ensure(`k8s-it-${process.pid}`, SLUG);
    const seen: ServerMessage[] = [];
    await labs.watch(lab, (m) => seen.push(m));
    assert.ok(
      seen.some((m) => m.type === "resumed"),
      "the lab was resumed, not booted afresh",
    );
    // its pods' containers died with the nodes: the kubelet starts them again
    await sh(
      "node1",
      "for i in $(seq 180); do [ \"$(kubectl get deployment web -o jsonpath='{.status.readyReplicas}')\" = 2 ] && exit 0; sleep 1; done; exit 1",
    );
    const again = "for i in $(seq 120); do kubectl exec client -- wget -qO- http://web/ 2>/dev/null && exit 0; sleep 1; done; exit 1";
    assert.match(await sh("node1", again), /hello from web-/, "the service answers again");
  });
});
