import { NewWebhookForm, WebhookEndpoints } from "@/app/_components/WebhookEndpoints";
import { mayManageWebhooks } from "@/app/_lib/access";
import { cohortsManagedBy } from "@/app/_lib/cohorts";
import { enforce } from "@/app/_lib/guard";
import { currentViewer } from "@/app/_lib/session";
import { listEndpoints } from "@/app/_lib/webhooks/endpoints";

export const dynamic = "force-dynamic";

// The admins' webhooks: the site's own endpoints (every learner's events) and every cohort's.

export default async function AdminWebhooksPage() {
  const viewer = await currentViewer();
  enforce(mayManageWebhooks(viewer));
  const [endpoints, cohorts] = await Promise.all([listEndpoints("all"), cohortsManagedBy(viewer.account!)]);
  const scopes = [{ value: "site", label: "the whole site" }, ...cohorts.map((c) => ({ value: c.id, label: `cohort “${c.name}”` }))];
  return (
    <div className="mx-auto max-w-4xl px-4 py-8">
      <h1 className="text-3xl font-bold">Webhooks</h1>
      <p className="mt-2 text-slate-600">
        Dockyard POSTs learners&apos; progress (labs started, checks, steps passed, lessons completed, hints and solutions revealed) to these URLs, signed with
        each endpoint&apos;s secret, and retries until the receiver accepts. The README&apos;s “Webhooks” section describes the events and how to verify them.
      </p>
      <section aria-labelledby="endpoints" className="mt-8">
        <h2 id="endpoints" className="text-xl font-semibold">
          Endpoints
        </h2>
        <WebhookEndpoints endpoints={endpoints} showScope />
      </section>
      <section aria-labelledby="add" className="mt-8 max-w-xl">
        <h2 id="add" className="text-xl font-semibold">
          Add an endpoint
        </h2>
        <NewWebhookForm scopes={scopes} />
      </section>
    </div>
  );
}
