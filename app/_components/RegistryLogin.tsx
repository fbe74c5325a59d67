"use client";

import { useEffect, useState } from "react";
import type { RegistryCredentials } from "@dockyard/contract";

/** The lab's private registry and the learner's login for it, once the lab is up. */
export function RegistryLogin({ lesson, enabled }: { lesson: string; enabled: boolean }) {
  const [login, setLogin] = useState<RegistryCredentials>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    if (!enabled || login) return;
    let disposed = false;
    fetch(`/api/labs/${lesson}/registry`, { cache: "no-store" })
      .then(async (res) => {
        const body = await res.json();
        if (disposed) return;
        if (res.ok) setLogin(body as RegistryCredentials);
        else setError((body as { message?: string }).message ?? `The registry login could not be read (${res.status}).`);
      })
      .catch((e: Error) => !disposed && setError(e.message));
    return () => {
      disposed = true;
    };
  }, [lesson, enabled, login]);

  if (error)
    return (
      <p role="alert" className="border-t border-slate-800 px-3 py-2 text-xs text-rose-300">
        {error}
      </p>
    );
  if (!login) return null;
  return (
    <dl data-testid="registry-login" className="flex flex-wrap gap-x-4 gap-y-1 border-t border-slate-800 px-3 py-2 font-mono text-xs text-slate-300">
      <div>
        <dt className="inline text-slate-500">registry </dt>
        <dd className="inline">{login.host}</dd>
      </div>
      <div>
        <dt className="inline text-slate-500">user </dt>
        <dd className="inline">{login.username}</dd>
      </div>
      <div>
        <dt className="inline text-slate-500">password </dt>
        <dd className="inline select-all" data-testid="registry-password">
          {login.password}
        </dd>
      </div>
    </dl>
  );
}
