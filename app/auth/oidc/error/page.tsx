import Link from "next/link";
import { oidcSettings, passwordSignIn } from "@dockyard/contract/server";
import { AuthCard } from "@/app/_components/AuthCard";
import { isProblem, PROBLEMS } from "@/app/_lib/oidc/problems";

// Why signing in with the single sign-on provider did not work, in plain words (the reason is a fixed key the
// callback chose; app/_lib/oidc/problems.ts holds the words), and what to do next.

export const dynamic = "force-dynamic";

type Params = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function SignInProblemPage({ searchParams }: Params) {
  const { reason } = await searchParams;
  const settings = oidcSettings();
  const problem = typeof reason === "string" && isProblem(reason) ? reason : "provider_error";
  const message = PROBLEMS[problem][1](settings?.name ?? "Single sign-on");
  return (
    <AuthCard title="Signing in did not work">
      <p role="alert" data-testid="sso-problem">
        {message}
      </p>
      <div className="mt-6 flex gap-4 text-sm">
        {settings && (
          <Link href="/auth/oidc/start" className="text-sky-700 underline" prefetch={false}>
            Try again with {settings.name}
          </Link>
        )}
        {passwordSignIn() && (
          <Link href="/signin" className="text-sky-700 underline">
            Sign in with a password
          </Link>
        )}
      </div>
    </AuthCard>
  );
}
