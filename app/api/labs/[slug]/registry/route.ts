import { NextResponse } from "next/server";
import { fromRunnerError, learnerLab } from "@/app/_lib/api";
import { registryCredentials } from "@/app/_lib/runner";

// The address, user name and password of the private registry in the learner's lab (lessons with `registry: true`).

export async function GET(_req: Request, { params }: { params: Promise<{ slug: string }> }) {
  const lab = await learnerLab((await params).slug);
  if ("error" in lab) return lab.error;
  try {
    return NextResponse.json(await registryCredentials(lab.access));
  } catch (e) {
    return fromRunnerError(e);
  }
}
