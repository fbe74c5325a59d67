import Link from "next/link";
import { oidcSettings, passwordSignIn } from "@dockyard/contract/server";
import { signInAction } from "@/app/_actions/account";
import { ActionForm, TextField } from "@/app/_components/ActionForm";
import { AuthCard } from "@/app/_components/AuthCard";
import { InviteNote } from "@/app/_components/InviteNote";
import { SsoButton } from "@/app/_components/SsoButton";
import { authPageContext } from "@/app/_lib/authPages";

export const dynamic = "force-dynamic";

type Params = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function SignInPage({ searchParams }: Params) {
  const { invite, carried } = await authPageContext(await searchParams);
  const withPassword = passwordSignIn();
  const sso = oidcSettings() !== undefined;
  return (
    <AuthCard title="Sign in" intro={<InviteNote invite={invite} action="Sign in" />}>
      <SsoButton carried={carried} />
      {withPassword ? (
        <>
          {sso && <p className="my-4 text-center text-sm text-slate-500">or with your email and password</p>}
          <ActionForm action={signInAction} submit="Sign in" hidden={carried} label="Sign in">
            <TextField name="email" label="Email" type="email" autoComplete="email" />
            <TextField name="password" label="Password" type="password" autoComplete="current-password" />
          </ActionForm>
          <p className="mt-6 text-sm text-slate-600">
            No account yet?{" "}
            <Link href={`/signup?${new URLSearchParams(carried)}`} className="text-sky-700 underline">
              Create one
            </Link>
          </p>
        </>
      ) : (
        <p className="mt-4 text-sm text-slate-600">Signing in with a password is turned off on this site.</p>
      )}
    </AuthCard>
  );
}
