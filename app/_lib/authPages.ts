import { redirect } from "next/navigation";
import { localPath } from "./forms";
import { describeInvite } from "./invites";
import { currentViewer } from "./session";

// What the sign-in and sign-up pages share: someone signed in already goes on to where they were headed;
// the form carries on where to go after (`next`) and the invite the visitor came with, if it is valid.

type Query = Record<string, string | string[] | undefined>;
const single = (value: string | string[] | undefined) => (typeof value === "string" ? value : undefined);

export async function authPageContext(query: Query) {
  const next = single(query.next);
  const invite = single(query.invite);
  if ((await currentViewer()).account) redirect(invite ? `/join/${encodeURIComponent(invite)}` : (localPath(next) ?? "/"));
  const described = await describeInvite(invite);
  const carried: Record<string, string> = { ...(next && { next }), ...(invite && described && "cohortName" in described && { invite }) };
  return { invite: described, carried };
}
