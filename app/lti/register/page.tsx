import { mayAdminister } from "@/app/_lib/access";
import { enforce } from "@/app/_lib/guard";
import { currentViewer } from "@/app/_lib/session";

export const dynamic = "force-dynamic";

// LTI Dynamic Registration's first step: the LMS opens this page with its configuration's address and a
// registration token. A Dockyard admin confirms (a page of another site must not register a platform by merely
// opening a URL in an admin's browser); /lti/register/complete does the registration.

export default async function RegisterPage({ searchParams }: { searchParams: Promise<{ openid_configuration?: string; registration_token?: string }> }) {
  enforce(mayAdminister(await currentViewer()));
  const { openid_configuration: configuration, registration_token: token } = await searchParams;
  return (
    <div className="mx-auto max-w-3xl px-4 py-8">
      <h1 className="text-2xl font-bold">Register Dockyard with an LMS</h1>
      {configuration ? (
        <form method="post" action="/lti/register/complete" className="mt-4 space-y-4">
          <p>
            The LMS whose configuration is at <code className="break-all">{configuration}</code> asks to add Dockyard as an LTI 1.3 tool. Its users will sign in
            to Dockyard through it, its instructors will become instructors here, and it will receive scores.
          </p>
          <input type="hidden" name="openid_configuration" value={configuration} />
          {token && <input type="hidden" name="registration_token" value={token} />}
          <button
            type="submit"
            className="rounded bg-sky-600 px-4 py-2 font-medium text-white hover:bg-sky-700 focus:outline-none focus:ring-2 focus:ring-sky-400"
          >
            Register Dockyard with this LMS
          </button>
        </form>
      ) : (
        <p className="mt-4">
          Open this address from your LMS&apos;s “LTI Advantage / dynamic registration” page: it adds the details Dockyard needs (openid_configuration).
        </p>
      )}
    </div>
  );
}
