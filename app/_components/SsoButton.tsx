import { oidcSettings } from "@dockyard/contract/server";

/** "Sign in with <provider>" when single sign-on is set up: a link (Enter follows it) carrying where to land afterwards. */
export function SsoButton({ carried }: { carried: Record<string, string> }) {
  const settings = oidcSettings();
  if (!settings) return null;
  const query = new URLSearchParams(carried).toString();
  return (
    <a
      href={`/auth/oidc/start${query ? `?${query}` : ""}`}
      className="block w-full rounded border border-slate-300 bg-white px-4 py-2 text-center font-medium text-slate-800 hover:bg-slate-50 focus:outline-none focus:ring-2 focus:ring-sky-500"
    >
      Sign in with {settings.name}
    </a>
  );
}
