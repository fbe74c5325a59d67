import { mayAdminister } from "@/app/_lib/access";
import { registerWithPlatform } from "@/app/_lib/lti/dynamicRegistration";
import { closingPage, noticePage, refusalPage } from "@/app/_lib/lti/html";
import { siteUrl } from "@/app/_lib/lti/tool";
import { currentViewer } from "@/app/_lib/session";

// LTI Dynamic Registration, confirmed by an admin on /lti/register: register, then tell the LMS's window to close.

export async function POST(req: Request): Promise<Response> {
  const decision = mayAdminister(await currentViewer());
  if (!decision.allowed) return noticePage(req, decision.status, "Sign in as an admin", decision.message);
  const form = new URLSearchParams(await req.text());
  try {
    const { name } = await registerWithPlatform(form.get("openid_configuration") ?? "", form.get("registration_token") ?? undefined, siteUrl(req.headers));
    return closingPage(req, "Dockyard is registered", `${name} can now launch Dockyard. You can close this window.`);
  } catch (e) {
    return refusalPage(req, e);
  }
}
