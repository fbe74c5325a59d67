import { syncRosterAction } from "@/app/_actions/roster";
import { ActionForm } from "@/app/_components/ActionForm";
import { formatMoment } from "@/app/_lib/dates";
import { rosterStatus } from "@/app/_lib/lti/roster";

// An LMS cohort's roster, for its instructor: when it last came from the LMS, how the last automatic sync (after an
// instructor's launch) went, and a button to sync it now.

export async function RosterSync({ cohortId }: { cohortId: string }) {
  const status = await rosterStatus(cohortId);
  if (!status) return null;
  return (
    <section aria-labelledby="lms-roster" className="mt-10 max-w-2xl space-y-3">
      <h2 id="lms-roster" className="text-xl font-semibold">
        Roster from the LMS
      </h2>
      <p className="text-sm text-slate-600" data-testid="roster-synced">
        {status.syncedAt ? `Last synced ${formatMoment(status.syncedAt)}.` : "Not synced yet: students are added as they launch Dockyard from the LMS."}
      </p>
      {status.last && (
        <p className={`text-sm ${status.last.failed ? "text-red-700" : "text-slate-600"}`} data-testid="roster-last">
          {`${status.last.failed ? "The last automatic sync failed" : "The last automatic sync"}: ${status.last.words}`}
          {status.last.retryAt && ` Dockyard tries again after ${formatMoment(status.last.retryAt)}.`}
        </p>
      )}
      <ActionForm action={syncRosterAction} submit="Sync roster" hidden={{ cohortId }} label="Sync roster" />
    </section>
  );
}
