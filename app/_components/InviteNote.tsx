import type { ReactNode } from "react";

/** Above the sign-in and sign-up forms: the cohort the visitor's invite link opens, or what is wrong with the link. */
export function InviteNote({ invite, action, children }: { invite?: { cohortName: string } | { problem: string }; action: string; children?: ReactNode }) {
  if (!invite) return children ? <p>{children}</p> : null;
  if ("problem" in invite)
    return (
      <p role="alert" className="rounded border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900">
        {invite.problem}
      </p>
    );
  return (
    <p data-testid="invite-note">
      {action} to join <strong>{invite.cohortName}</strong>. {children}
    </p>
  );
}
