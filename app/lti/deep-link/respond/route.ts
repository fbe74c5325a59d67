import { deepLinkResponse, readTicket } from "@/app/_lib/lti/deepLinking";
import { autoPostPage, refusalPage } from "@/app/_lib/lti/html";
import { siteUrl } from "@/app/_lib/lti/tool";
import { currentViewer } from "@/app/_lib/session";

// The lesson picker's form: the lessons picked become assignments, and the signed LtiDeepLinkingResponse is posted
// on to the LMS.

export async function POST(req: Request): Promise<Response> {
  const form = new URLSearchParams(await req.text());
  try {
    const ticket = readTicket(form.get("ticket") ?? undefined, (await currentViewer()).learnerId);
    const { returnUrl, jwt } = await deepLinkResponse(ticket, form.getAll("lesson"), siteUrl(req.headers));
    return autoPostPage(req, returnUrl, { JWT: jwt }, "Adding the lessons to your course");
  } catch (e) {
    return refusalPage(req, e);
  }
}
