import type { V1Pod, V1Service } from "@kubernetes/client-node";
import type { CriterionResult, ServiceCheck } from "@dockyard/contract/server";
import type { ClusterApi, ServiceAnswer } from "../../kubernetes/api";
import { apiServerSilent } from "../../sandbox/kubernetes/client";
import type { JudgeContext } from "../context";
import { capitalize, criterion, quote } from "../criteria";
import { existence, live, unlessAbsent, withCluster } from "./cluster";
import { count, hasLabels, inRange, showLabels, showRange } from "./match";
import { isReady } from "../../sandbox/kubernetes/objects";

// Services: how they are declared, which pods their selector reaches, their ready endpoints (read from the
// EndpointSlices the cluster keeps for them), and whether they answer from inside the cluster.

export async function judgeService(check: ServiceCheck, ctx: JudgeContext): Promise<CriterionResult[]> {
  return withCluster(ctx, async (api) => {
    const { name, namespace } = check;
    const service = await unlessAbsent(api.core.readNamespacedService({ name, namespace }));
    if (!check.exists || !service) return existence("service", name, namespace, service, check.exists);

    const subject = `the service “${name}”`;
    const Subject = capitalize(subject);
    const results = [criterion("service exists", true, `${Subject} exists.`)];
    const selector = service.spec?.selector && Object.keys(service.spec.selector).length ? service.spec.selector : undefined;
    let selected: Promise<V1Pod[]> | undefined;
    const pods = () => (selected ??= selectedPods(api, namespace, selector));

    if (check.type) {
      const type = service.spec?.type ?? "ClusterIP";
      results.push(criterion(`type ${check.type}`, type === check.type, `${Subject} is of type ${type}${type === check.type ? "" : `, not ${check.type}`}.`));
    }
    if (check.port !== undefined) results.push(portCriterion(check, service, Subject));
    if (check.selector) {
      const wanted = showLabels(check.selector);
      const ok = hasLabels(selector, check.selector);
      const has = selector ? `selects pods by ${showLabels(selector)}` : "has no selector";
      results.push(criterion(`selector ${wanted}`, ok, `${Subject} ${has}${ok ? "." : `; it should select ${wanted}.`}`));
    }
    if (check.endpoints) {
      const n = await readyEndpoints(api, namespace, name);
      const ok = inRange(check.endpoints, n);
      const message = n
        ? `${Subject} has ${count(n, "ready endpoint")}${ok ? "." : `; it should have ${showRange(check.endpoints)}.`}`
        : `${Subject} has no ready endpoints${ok ? "." : `: ${whyNoEndpoints(service, selector, await pods())}.`}`;
      results.push(criterion(`${showRange(check.endpoints)} endpoints`, ok, message));
    }
    if (check.selectsPods !== undefined) {
      const running = (await pods()).filter((pod) => pod.status?.phase === "Running");
      const ok = running.length > 0 === check.selectsPods;
      const message = running.length
        ? `The selector ${showLabels(selector!)} of ${subject} matches ${count(running.length, "running pod")}${ok ? "." : "; it should match none."}`
        : `${Subject} selects no running pod${ok ? "." : `: ${whyNoEndpoints(service, selector, await pods())}.`}`;
      results.push(criterion(check.selectsPods ? "selects pods" : "selects no pod", ok, message));
    }
    if (check.answers) results.push(...(await answerCriteria(api, check, service, subject)));
    return results;
  });
}

function portCriterion(check: ServiceCheck, service: V1Service, Subject: string): CriterionResult {
  const ports = service.spec?.ports ?? [];
  const found = ports.find((p) => p.port === check.port);
  const name = check.targetPort === undefined ? `port ${check.port}` : `port ${check.port} to ${check.targetPort}`;
  if (!found)
    return criterion(name, false, `${Subject} has no port ${check.port} (${ports.length ? `it has ${ports.map((p) => p.port).join(", ")}` : "it has none"}).`);
  const target = found.targetPort ?? found.port;
  if (check.targetPort === undefined) return criterion(name, true, `${Subject} has the port ${check.port}.`);
  const ok = String(target) === String(check.targetPort);
  return criterion(name, ok, `${Subject} sends its port ${check.port} to port ${target} of its pods${ok ? "." : `, not ${check.targetPort}.`}`);
}

/** The pods a service's selector matches (none without a selector). */
async function selectedPods(api: ClusterApi, namespace: string, selector: Record<string, string> | undefined): Promise<V1Pod[]> {
  if (!selector) return [];
  return live((await api.core.listNamespacedPod({ namespace, labelSelector: showLabels(selector) })).items);
}

/** Ready addresses in the EndpointSlices of a service (an address with no ready condition counts as ready, as the API says). */
async function readyEndpoints(api: ClusterApi, namespace: string, service: string): Promise<number> {
  const slices = await api.discovery.listNamespacedEndpointSlice({ namespace, labelSelector: `kubernetes.io/service-name=${service}` });
  const addresses = slices.items.flatMap((slice) => (slice.endpoints ?? []).filter((e) => e.conditions?.ready !== false).flatMap((e) => e.addresses));
  return new Set(addresses).size;
}

/** Why a service has no endpoint, from its selector and the pods it matches. */
function whyNoEndpoints(service: V1Service, selector: Record<string, string> | undefined, pods: V1Pod[]): string {
  if (service.spec?.type === "ExternalName") return "it is an ExternalName service, which only names another host";
  if (!selector) return "it has no selector, so it matches no pod";
  const shown = showLabels(selector);
  if (!pods.length) return `its selector ${shown} matches no pod`;
  const running = pods.filter((pod) => pod.status?.phase === "Running");
  if (!running.length) return `its selector ${shown} matches ${count(pods.length, "pod")}, none of them running`;
  if (!running.some(isReady)) return `its selector ${shown} matches ${count(running.length, "running pod")}, none of them ready`;
  return `its selector ${shown} matches ready pods, which are not its endpoints yet`;
}

/** The API server's own error (a Status object), as opposed to whatever the service answered. */
function apiStatusMessage(body: string): string | undefined {
  try {
    const status = JSON.parse(body) as { kind?: string; message?: string };
    return status.kind === "Status" ? (status.message ?? "") : undefined;
  } catch {
    return undefined;
  }
}

async function answerCriteria(api: ClusterApi, check: ServiceCheck, service: V1Service, subject: string): Promise<CriterionResult[]> {
  const Subject = capitalize(subject);
  const { path, status } = check.answers!;
  const port = check.port ?? service.spec?.ports?.[0]?.port;
  const name = `answers ${status}`;
  if (port === undefined) return [criterion(name, false, `${Subject} has no port to ask.`)];
  const where = `on port ${port} at ${path}`;
  let answer: ServiceAnswer;
  try {
    answer = await api.serviceProxy(check.namespace, check.name, port, path);
  } catch (e) {
    // the API server has just answered about the service, so a request left without an answer is the service's silence
    if (!apiServerSilent(e)) throw e;
    return [criterion(name, false, `${Subject} did not answer ${where} (${(e as Error).message}).`)];
  }
  const proxyError = answer.status >= 500 ? apiStatusMessage(answer.body) : undefined;
  if (proxyError !== undefined)
    return [criterion(name, false, `${Subject} did not answer ${where}: ${proxyError || `the API server answered ${answer.status}`}.`)];
  const ok = answer.status === status;
  const results = [criterion(name, ok, `${Subject} answered ${answer.status} ${where}${ok ? "" : `, not ${status}`}.`)];
  const wanted = check.answers!.bodyContains;
  if (wanted !== undefined) {
    const hit = answer.body.includes(wanted);
    const said = answer.body.trim() ? `was ${quote(answer.body)}, which does not contain “${wanted}”` : `was empty; it should contain “${wanted}”`;
    results.push(criterion("response body", hit, `The answer of ${subject} ${hit ? `contains “${wanted}”` : said}.`));
  }
  return results;
}
