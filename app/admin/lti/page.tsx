import { headers } from "next/headers";
import { addPlatformAction, removePlatformAction } from "@/app/_actions/lti";
import { ActionForm, TextField } from "@/app/_components/ActionForm";
import { mayAdminister } from "@/app/_lib/access";
import { enforce } from "@/app/_lib/guard";
import { listPlatforms } from "@/app/_lib/lti/platforms";
import { siteUrl, toolUrls } from "@/app/_lib/lti/tool";
import { currentViewer } from "@/app/_lib/session";

export const dynamic = "force-dynamic";

// The LMSes Dockyard is an LTI 1.3 tool of: the addresses to give an LMS, the platforms registered (several at
// once), and adding one by hand (LTI Dynamic Registration adds them from the LMS's side, /lti/register).

export default async function LtiPlatformsPage() {
  enforce(mayAdminister(await currentViewer()));
  const urls = toolUrls(siteUrl(await headers()));
  const platforms = await listPlatforms();
  const addresses: [string, string][] = [
    ["Login initiation (OpenID Connect) URL", urls.login],
    ["Redirect / target link / Deep Linking URL", urls.launch],
    ["Public keyset (JWKS) URL", urls.jwks],
    ["Configuration JSON (Canvas: Enter URL)", urls.config],
    ["Dynamic registration URL (Moodle and others)", urls.register],
  ];
  return (
    <div className="mx-auto max-w-5xl px-4 py-8">
      <h1 className="text-3xl font-bold">LTI platforms</h1>

      <section aria-labelledby="addresses" className="mt-6">
        <h2 id="addresses" className="text-xl font-semibold">
          Dockyard&apos;s addresses for your LMS
        </h2>
        <dl className="mt-3 grid grid-cols-1 gap-x-6 gap-y-2 text-sm sm:grid-cols-[auto_1fr]">
          {addresses.map(([label, url]) => (
            <div key={label} className="contents">
              <dt className="font-medium text-slate-700">{label}</dt>
              <dd>
                <code className="break-all">{url}</code>
              </dd>
            </div>
          ))}
        </dl>
      </section>

      <section aria-labelledby="registered" className="mt-8">
        <h2 id="registered" className="text-xl font-semibold">
          Registered platforms
        </h2>
        {platforms.length === 0 ? (
          <p className="mt-2 text-slate-600">None yet.</p>
        ) : (
          <table className="mt-3 w-full border-collapse text-left text-sm">
            <thead className="border-b border-slate-300 text-slate-600">
              <tr>
                <th className="py-2">Name</th>
                <th>Issuer</th>
                <th>Client id</th>
                <th>Deployments</th>
                <th>
                  <span className="sr-only">Remove</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {platforms.map((p) => (
                <tr key={p.id} className="border-b border-slate-200 align-top">
                  <td className="py-3">{p.name}</td>
                  <td className="break-all py-3">{p.issuer}</td>
                  <td className="break-all py-3">{p.clientId}</td>
                  <td className="py-3">{p.deploymentIds.join(", ")}</td>
                  <td className="py-2">
                    <ActionForm action={removePlatformAction} submit={`Remove ${p.name}`} hidden={{ id: p.id }} label={`Remove ${p.name}`} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section aria-labelledby="add" className="mt-8 rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
        <h2 id="add" className="text-xl font-semibold">
          Add a platform by hand
        </h2>
        <p className="mt-1 text-sm text-slate-600">Copy these from the LMS after adding Dockyard there with the addresses above.</p>
        <ActionForm action={addPlatformAction} submit="Add platform" label="Add a platform" className="mt-3 space-y-4">
          <TextField name="name" label="Name" hint="What admins see here, e.g. Canvas (university)" />
          <TextField name="issuer" label="Issuer (iss)" hint="e.g. https://canvas.instructure.com" />
          <TextField name="clientId" label="Client id" />
          <TextField name="deploymentIds" label="Deployment ids" hint="One or more, separated by commas" />
          <TextField name="authLoginUrl" label="Authentication (OIDC login) URL" />
          <TextField name="authTokenUrl" label="Access token URL" />
          <TextField name="jwksUrl" label="Public keyset (JWKS) URL" />
        </ActionForm>
      </section>
    </div>
  );
}
