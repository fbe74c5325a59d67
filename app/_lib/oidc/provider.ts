import * as client from "openid-client";
import { oidcSettings } from "@dockyard/contract/server";

// The OpenID Connect provider as openid-client knows it, from the provider's discovery document: fetched once per
// site process (again after a failure, so a provider that was down is asked anew). The protocol itself (PKCE, state,
// nonce, the code exchange and the id_token's validation) is all openid-client's.

export type OidcSettings = NonNullable<ReturnType<typeof oidcSettings>>;

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

let cached: { key: string; configuration: Promise<client.Configuration> } | undefined;

async function discover(settings: OidcSettings): Promise<client.Configuration> {
  const issuer = new URL(settings.issuer);
  // Plain HTTP only to a provider on this machine (a development or test provider); anywhere else it must be HTTPS.
  const insecure = issuer.protocol === "http:" && LOOPBACK.has(issuer.hostname);
  return client.discovery(
    issuer,
    settings.clientId,
    settings.clientSecret,
    settings.clientSecret ? undefined : client.None(),
    insecure ? { execute: [client.allowInsecureRequests] } : undefined,
  );
}

/** The provider's configuration for `settings`, discovered once. */
export function providerConfiguration(settings: OidcSettings): Promise<client.Configuration> {
  const key = `${settings.issuer} ${settings.clientId}`;
  if (cached?.key !== key) {
    const configuration = discover(settings);
    const entry = { key, configuration };
    configuration.catch(() => {
      if (cached === entry) cached = undefined;
    });
    cached = entry;
  }
  return cached.configuration;
}
