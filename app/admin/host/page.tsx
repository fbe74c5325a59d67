import Link from "next/link";
import { mayAdminister } from "@/app/_lib/access";
import { enforce } from "@/app/_lib/guard";
import { currentViewer } from "@/app/_lib/session";
import { HostView } from "./HostView";

export const dynamic = "force-dynamic";

// The admin's host view: every lab and the boot queue, the host's memory, CPU and disk against the limits, the
// engine's health; any lab can be suspended or stopped from here. For admins.

export default async function HostPage() {
  enforce(mayAdminister(await currentViewer()));
  return (
    <div className="px-4 py-4">
      <Link className="text-sm text-sky-700 underline" href="/admin">
        Back to Admin
      </Link>
      <h1 className="mt-1 text-2xl font-bold">Host</h1>
      <HostView />
    </div>
  );
}
