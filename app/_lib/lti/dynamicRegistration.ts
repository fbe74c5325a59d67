import { Refusal } from "@dockyard/contract";
import { outboundFetch, OutboundRefused } from "../outboundUrl";
import { savePlatform } from "./platforms";
import { registrationRequest } from "./tool";

// LTI Dynamic Registration (the tool's side): the LMS opens /lti/register?openid_configuration=…&registration_token=…;
// a Dockyard admin confirms; Dockyard reads the platform's OpenID configuration, posts its registration to the
// platform's registration endpoint, and stores the platform with the client id and deployment id it answers.
// Both addresses come from the LMS's link, so they are fetched as every LMS request is (outboundUrl.ts).

const TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration";
const PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration";
const TIMEOUT_MS = 10_000;

const failed = (what: string) => new Refusal("lti_registration_failed", `Dockyard could not register with the LMS: ${what}`);

const str = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined);
const httpUrl = (value: unknown) => {
  const url = str(value);
  return url && /^https?:\/\//.test(url) && URL.canParse(url) ? url : undefined;
};

/** What an LMS's error answer says, in its words when it gives some (never its raw body). */
async function said(response: Response): Promise<string> {
  const text = await response.text().catch(() => "");
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const words = str(body.error_description) ?? str(body.error) ?? str(body.message);
    if (words) return `it answered ${response.status}: ${words}`;
  } catch {}
  return `it answered ${response.status} ${response.statusText}`.trim();
}

async function send(url: string, init: RequestInit, what: string): Promise<Record<string, unknown>> {
  let response: Response;
  try {
    response = await outboundFetch(url, init, TIMEOUT_MS);
  } catch (e) {
    if (e instanceof OutboundRefused) throw failed(`Dockyard does not send requests to its ${what} at ${url}: ${e.message}`);
    throw failed(`its ${what} at ${url} did not answer.`);
  }
  if (!response.ok) throw failed(`its ${what} at ${url} refused: ${await said(response)}.`);
  try {
    return (await response.json()) as Record<string, unknown>;
  } catch {
    throw failed(`its ${what} at ${url} did not answer with JSON.`);
  }
}

/** Registers Dockyard with the platform whose OpenID configuration is at `openidConfiguration`; the platform's id and name. */
export async function registerWithPlatform(
  openidConfiguration: string,
  registrationToken: string | undefined,
  site: string,
): Promise<{ id: string; name: string }> {
  if (!httpUrl(openidConfiguration)) throw failed(`“${openidConfiguration}” is not an http(s) address of its configuration.`);
  const config = await send(openidConfiguration, { headers: { accept: "application/json" } }, "OpenID configuration");
  const issuer = httpUrl(config.issuer);
  // Dynamic Registration §3.5.1: the configuration is the issuer's own, served from its host.
  if (!issuer || new URL(issuer).host !== new URL(openidConfiguration).host)
    throw failed(`its configuration names issuer ${String(config.issuer)}, not one at ${new URL(openidConfiguration).host}.`);
  const endpoints = {
    authLoginUrl: httpUrl(config.authorization_endpoint),
    authTokenUrl: httpUrl(config.token_endpoint),
    jwksUrl: httpUrl(config.jwks_uri),
    registration: httpUrl(config.registration_endpoint),
  };
  const missing = Object.entries(endpoints).find(([, url]) => !url);
  if (missing) throw failed(`its configuration has no ${missing[0]} address.`);

  const answer = await send(
    endpoints.registration!,
    {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", ...(registrationToken && { authorization: `Bearer ${registrationToken}` }) },
      body: JSON.stringify(registrationRequest(site)),
    },
    "registration endpoint",
  );
  const clientId = str(answer.client_id);
  const deploymentId = str((answer[TOOL_CONFIGURATION] as Record<string, unknown> | undefined)?.deployment_id);
  if (!clientId || !deploymentId) throw failed("its answer gave no client id or no deployment id.");
  const product = str((config[PLATFORM_CONFIGURATION] as Record<string, unknown> | undefined)?.product_family_code);
  const name = `${product ?? "LMS"} (${new URL(issuer).host})`;
  const id = await savePlatform({
    name,
    issuer,
    clientId,
    authLoginUrl: endpoints.authLoginUrl!,
    authTokenUrl: endpoints.authTokenUrl!,
    jwksUrl: endpoints.jwksUrl!,
    deploymentIds: [deploymentId],
  });
  return { id, name };
}
