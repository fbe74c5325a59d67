import Link from "next/link";
import { notFound } from "next/navigation";
import { retryDeliveryAction, sendTestEventAction } from "@/app/_actions/webhooks";
import { ActionForm } from "@/app/_components/ActionForm";
import { mayListCohorts } from "@/app/_lib/access";
import { formatMoment } from "@/app/_lib/dates";
import { enforce } from "@/app/_lib/guard";
import { currentViewer } from "@/app/_lib/session";
import { deliveryLog, endpointById, webhooksDecision, type Delivery } from "@/app/_lib/webhooks/endpoints";

export const dynamic = "force-dynamic";

// One endpoint's delivery log: its latest deliveries, each with its attempts, the last answer and what comes next,
// and "Retry now". For those who manage the endpoint (the site's: admins; a cohort's: its instructor and admins).

const STATE_WORDS: Record<Delivery["state"], string> = { delivered: "Delivered", abandoned: "Abandoned", sending: "Sending", waiting: "Next attempt" };

export default async function DeliveryLogPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const viewer = await currentViewer();
  // Visitors who have not signed in learn nothing, not even whether the endpoint exists.
  enforce(mayListCohorts(viewer));
  const endpoint = await endpointById(id);
  const decision = endpoint && (await webhooksDecision(viewer, endpoint.cohortId));
  if (!endpoint || !decision) notFound();
  enforce(decision);
  const deliveries = await deliveryLog(endpoint.id);
  const back = endpoint.cohortId
    ? { href: `/cohorts/${endpoint.cohortId}`, label: `Cohort “${endpoint.cohortName}”` }
    : { href: "/admin/webhooks", label: "Webhooks" };
  return (
    <div className="mx-auto max-w-5xl px-4 py-8">
      <Link href={back.href} className="text-sm text-sky-700 underline">
        ← {back.label}
      </Link>
      <h1 className="mt-2 text-3xl font-bold">Delivery log</h1>
      <p className="mt-2 font-mono text-sm break-all">{endpoint.url}</p>
      {endpoint.disabledAt && <p className="mt-2 text-sm font-medium text-amber-800">This endpoint is disabled: deliveries still due are abandoned.</p>}
      {!endpoint.disabledAt && (
        <div className="mt-4">
          <ActionForm action={sendTestEventAction} submit="Send test event" hidden={{ endpointId: endpoint.id }} label="Send a test event" />
        </div>
      )}
      {deliveries.length === 0 ? (
        <p className="mt-6 text-slate-600">Nothing has been sent to this endpoint yet.</p>
      ) : (
        <table className="mt-6 w-full border-collapse text-left text-sm" data-testid="deliveries">
          <caption className="sr-only">The latest deliveries, newest first</caption>
          <thead className="border-b border-slate-300 text-slate-600">
            <tr>
              <th className="py-2">Event</th>
              <th>Queued</th>
              <th>Attempts</th>
              <th>Last answer</th>
              <th>State</th>
              <th>
                <span className="sr-only">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {deliveries.map((d) => (
              <tr key={d.id} className="border-b border-slate-200 align-top" data-testid="delivery">
                <td className="py-2">
                  <code>{d.event}</code>
                  <span className="block font-mono text-xs text-slate-500">{d.id}</span>
                </td>
                <td className="py-2">{formatMoment(d.createdAt)}</td>
                <td className="py-2">{d.attempts}</td>
                <td className="max-w-xs py-2">
                  {d.lastAttemptAt ? (
                    <>
                      <span className="font-medium">{d.lastStatus ?? "no answer"}</span>
                      {d.lastResponse && <span className="block break-words text-xs text-slate-600">{d.lastResponse.slice(0, 200)}</span>}
                    </>
                  ) : (
                    "not tried yet"
                  )}
                </td>
                <td className="py-2">
                  {STATE_WORDS[d.state]} {formatMoment(d.at)}
                </td>
                <td className="py-2">
                  {d.state !== "delivered" && (
                    <ActionForm action={retryDeliveryAction} submit="Retry now" hidden={{ deliveryId: d.id }} label={`Retry delivery ${d.id} now`} />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
