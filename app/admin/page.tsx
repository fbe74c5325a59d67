import Link from "next/link";
import { saveEmbedOriginsAction, saveSettingsAction, setRoleAction } from "@/app/_actions/admin";
import { ActionForm, TextField } from "@/app/_components/ActionForm";
import { mayAdminister, ROLES } from "@/app/_lib/access";
import { allAccounts } from "@/app/_lib/accounts";
import { formatDay } from "@/app/_lib/dates";
import { enforce } from "@/app/_lib/guard";
import { siteSettings } from "@/app/_lib/settings";
import { currentViewer } from "@/app/_lib/session";
import { embedAncestors } from "@/app/_lib/embedAncestors";

export const dynamic = "force-dynamic";

export default async function AdminPage() {
  enforce(mayAdminister(await currentViewer()));
  const [accounts, settings, embedding] = await Promise.all([allAccounts(), siteSettings(), embedAncestors()]);
  return (
    <div className="mx-auto max-w-4xl px-4 py-8">
      <h1 className="text-3xl font-bold">Admin</h1>
      <Link
        href="/admin/host"
        className="mt-4 inline-block rounded bg-sky-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-sky-700 focus:outline-none focus:ring-2 focus:ring-sky-400"
      >
        Host: labs, queue and load
      </Link>
      <Link
        href="/admin/webhooks"
        className="mt-4 ml-3 inline-block rounded bg-sky-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-sky-700 focus:outline-none focus:ring-2 focus:ring-sky-400"
      >
        Webhooks and their deliveries
      </Link>

      <section aria-labelledby="settings" className="mt-8 rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
        <h2 id="settings" className="text-xl font-semibold">
          Settings
        </h2>
        <ActionForm action={saveSettingsAction} submit="Save settings" label="Settings" className="mt-3 space-y-4">
          <label className="flex items-start gap-2 text-sm">
            <input type="checkbox" name="anonymousMayTry" defaultChecked={settings.anonymousMayTry} className="mt-0.5" />
            <span>
              Anonymous visitors may try the public course
              <span className="block text-slate-500">When off, opening a lesson or using a lab needs an account.</span>
            </span>
          </label>
        </ActionForm>
      </section>

      <section aria-labelledby="embedding" className="mt-8 rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
        <h2 id="embedding" className="text-xl font-semibold">
          Embedding
        </h2>
        <p className="mt-1 text-sm text-slate-600">
          A lesson can be shown inside another site&apos;s page with{" "}
          <code className="rounded bg-slate-100 px-1">&lt;iframe src=&quot;…/embed/lessons/&lt;lesson&gt;&quot;&gt;</code>, on the sites listed here only. No
          other page of Dockyard can be framed.
        </p>
        <ActionForm action={saveEmbedOriginsAction} submit="Save sites" label="Embedding" className="mt-3 space-y-4">
          <TextField
            name="embedOrigins"
            label="Sites that may embed lessons"
            defaultValue={settings.embedOrigins.join(" ")}
            hint="Origins separated by spaces, such as https://lms.example.edu https://blog.example.org: https only (http only for localhost), no paths, no wildcards. A change takes effect within a few seconds."
          />
        </ActionForm>
        <p className="mt-3 text-sm text-slate-600" data-testid="embed-platform-origins">
          {embedding.platforms.length > 0
            ? `Also allowed, as registered LMSes: ${embedding.platforms.join(" ")}.`
            : "Registered LMSes (LTI platforms) are allowed too; none is registered."}
        </p>
      </section>

      <section aria-labelledby="users" className="mt-8">
        <h2 id="users" className="text-xl font-semibold">
          Users
        </h2>
        <table className="mt-3 w-full border-collapse text-left text-sm">
          <thead className="border-b border-slate-300 text-slate-600">
            <tr>
              <th className="py-2">Email</th>
              <th>Since</th>
              <th>Role</th>
            </tr>
          </thead>
          <tbody>
            {accounts.map((account) => (
              <tr key={account.id} className="border-b border-slate-200 align-top">
                <td className="py-3">{account.email}</td>
                <td className="py-3">{formatDay(account.createdAt)}</td>
                <td className="py-2">
                  <ActionForm action={setRoleAction} submit="Save role" hidden={{ learnerId: account.id }} className="flex flex-wrap items-center gap-2">
                    <label htmlFor={`role-${account.id}`} className="sr-only">
                      Role of {account.email}
                    </label>
                    {/* Keyed by the role: a select does not take a new defaultValue, and the form resets to it after saving. */}
                    <select
                      key={account.role}
                      id={`role-${account.id}`}
                      name="role"
                      defaultValue={account.role}
                      className="rounded border border-slate-300 px-2 py-1.5"
                    >
                      {ROLES.map((role) => (
                        <option key={role} value={role}>
                          {role}
                        </option>
                      ))}
                    </select>
                  </ActionForm>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}
