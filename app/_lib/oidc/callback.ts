import { oidcSettings } from "@dockyard/contract/server";
import { IdentityError, signInIdentity } from "../identities";
import { landingAfterSignIn } from "../landing";
import { currentViewer, startIdentitySession } from "../session";
import { finishSignIn } from "./flow";
import { problemOf, SsoProblem, type Problem } from "./problems";
import { roleFromClaims } from "./roles";

// The end of a sign-in at the provider: who the id_token says this is becomes a Dockyard account
// (app/_lib/identities.ts: known, linked by verified email, or a new student), with the role its claim maps to, and
// this browser is signed in to it as password sign-in would.

/** Where the browser goes after the provider's answer: where it was headed, signed in, or the error page with the reason. */
export async function signInFromCallback(query: URLSearchParams, flowValue: string | undefined): Promise<string> {
  const settings = oidcSettings();
  if (!settings) return errorPage("off");
  try {
    const { identity, landing } = await finishSignIn(settings, query, flowValue);
    if (!identity.email || !identity.emailVerified) throw new SsoProblem("no_email", settings.name);
    const signedIn = await signInIdentity(
      {
        provider: `oidc:${settings.issuer}`,
        subject: identity.subject,
        email: identity.email,
        emailVerified: true,
        role: roleFromClaims(identity.claims, settings),
      },
      { anonymous: (await currentViewer()).learnerId },
    );
    await startIdentitySession(signedIn);
    return await landingAfterSignIn(signedIn.learnerId, landing);
  } catch (e) {
    const problem = e instanceof IdentityError ? "conflict" : problemOf(e);
    console.error(`[oidc] sign-in refused (${problem}):`, e instanceof SsoProblem ? (e.detail ?? e.message) : e);
    return errorPage(problem);
  }
}

export const errorPage = (problem: Problem) => `/auth/oidc/error?reason=${problem}`;
