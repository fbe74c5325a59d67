import Link from "next/link";
import { signUpAction } from "@/app/_actions/account";
import { ActionForm, TextField } from "@/app/_components/ActionForm";
import { AuthCard } from "@/app/_components/AuthCard";
import { InviteNote } from "@/app/_components/InviteNote";
import { authPageContext } from "@/app/_lib/authPages";
import { PASSWORD_MIN_LENGTH } from "@/app/_lib/passwords";
import { SsoButton } from "@/app/_components/SsoButton";
import { passwordSignIn } from "@dockyard/contract/server";

export const dynamic = "force-dynamic";

type Params = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function SignUpPage({ searchParams }: Params) {
  const { invite, carried } = await authPageContext(await searchParams);
  if (!passwordSignIn())
    return (
      <AuthCard title="Create an account">
        <p className="mb-4 text-slate-700">Accounts on this site are made by signing in with your organisation&apos;s account.</p>
        <SsoButton carried={carried} />
      </AuthCard>
    );
  return (
    <AuthCard
      title="Create an account"
      intro={
        <InviteNote invite={invite} action="Create an account">
          Your progress so far stays yours: it moves into the new account.
        </InviteNote>
      }
    >
      <ActionForm action={signUpAction} submit="Create my account" hidden={carried} label="Create an account">
        <TextField name="email" label="Email" type="email" autoComplete="email" />
        <TextField
          name="password"
          label="Password"
          type="password"
          autoComplete="new-password"
          hint={`At least ${PASSWORD_MIN_LENGTH} characters. A few unrelated words make a strong one.`}
        />
      </ActionForm>
      <p className="mt-6 text-sm text-slate-600">
        Have an account?{" "}
        <Link href={`/signin?${new URLSearchParams(carried)}`} className="text-sky-700 underline">
          Sign in
        </Link>
      </p>
    </AuthCard>
  );
}
