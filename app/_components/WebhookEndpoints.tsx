import Link from "next/link";
import { createWebhookAction, deleteWebhookAction, sendTestEventAction, setWebhookDisabledAction } from "@/app/_actions/webhooks";
import { ActionForm, TextField } from "@/app/_components/ActionForm";
import { formatMoment } from "@/app/_lib/dates";
import type { Endpoint } from "@/app/_lib/webhooks/endpoints";
import { EVENT_TYPES } from "@/app/_lib/webhooks/events";

// Webhook endpoints as the admin page (the site's and every cohort's) and a cohort's page (its own) list them, each
// with its actions and a link to its delivery log, and the form that adds one.

/** Where a new endpoint can send from: the site (admins) and the cohorts the viewer manages here. */
export interface Scope {
  value: "site" | string;
  label: string;
}

export function WebhookEndpoints({ endpoints, showScope }: { endpoints: Endpoint[]; showScope: boolean }) {
  if (endpoints.length === 0) return <p className="mt-3 text-slate-600">No endpoints yet.</p>;
  return (
    <ul className="mt-3 space-y-3" data-testid="webhook-endpoints">
      {endpoints.map((endpoint) => {
        const hidden = { endpointId: endpoint.id };
        return (
          <li key={endpoint.id} className="rounded border border-slate-200 bg-white px-4 py-3">
            <p className="font-mono text-sm break-all">{endpoint.url}</p>
            <p className="mt-1 text-sm text-slate-600">
              {showScope && (endpoint.cohortName ? `Cohort “${endpoint.cohortName}” · ` : "Whole site · ")}
              {endpoint.events.length === 0 ? "every event" : endpoint.events.join(", ")}
              {endpoint.description && ` · ${endpoint.description}`}
              {endpoint.disabledAt && <strong className="text-amber-800"> · disabled since {formatMoment(endpoint.disabledAt)}</strong>}
            </p>
            <div className="mt-2 flex flex-wrap items-start gap-3">
              <Link
                href={`/webhooks/${endpoint.id}`}
                className="rounded border border-sky-600 px-3 py-2 text-sm font-medium text-sky-700 hover:bg-sky-50 focus:outline-none focus:ring-2 focus:ring-sky-400"
              >
                Delivery log
              </Link>
              {!endpoint.disabledAt && (
                <ActionForm action={sendTestEventAction} submit="Send test event" hidden={hidden} label={`Send a test event to ${endpoint.url}`} />
              )}
              <ActionForm
                action={setWebhookDisabledAction}
                submit={endpoint.disabledAt ? "Enable" : "Disable"}
                hidden={{ ...hidden, disable: endpoint.disabledAt ? "0" : "1" }}
                label={`${endpoint.disabledAt ? "Enable" : "Disable"} ${endpoint.url}`}
              />
              <ActionForm action={deleteWebhookAction} submit="Delete" hidden={hidden} label={`Delete ${endpoint.url}`} />
            </div>
          </li>
        );
      })}
    </ul>
  );
}

export function NewWebhookForm({ scopes }: { scopes: Scope[] }) {
  return (
    <ActionForm action={createWebhookAction} submit="Add endpoint" label="Add a webhook endpoint" className="mt-3 space-y-4">
      {scopes.length === 1 ? (
        <input type="hidden" name="scope" value={scopes[0]!.value} />
      ) : (
        <div>
          <label htmlFor="scope" className="block text-sm font-medium text-slate-800">
            Send the events of
          </label>
          <select id="scope" name="scope" className="mt-1 block w-full rounded border border-slate-300 px-3 py-2 text-sm">
            {scopes.map((scope) => (
              <option key={scope.value} value={scope.value}>
                {scope.label}
              </option>
            ))}
          </select>
        </div>
      )}
      <TextField name="url" label="URL" hint="Where Dockyard POSTs each event, signed the Standard Webhooks way: https://… on a server you run." />
      <TextField name="description" label="Description (optional)" />
      <fieldset>
        <legend className="text-sm font-medium text-slate-800">Events (none chosen: all)</legend>
        <div className="mt-1 grid grid-cols-2 gap-1 text-sm">
          {EVENT_TYPES.map((type) => (
            <label key={type} className="flex items-center gap-2">
              <input type="checkbox" name={`event:${type}`} />
              <code>{type}</code>
            </label>
          ))}
        </div>
      </fieldset>
    </ActionForm>
  );
}
