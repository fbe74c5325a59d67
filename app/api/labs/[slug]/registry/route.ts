import { NextResponse } from "next/server";
import { withLearnerLab } from "@/app/_lib/api";
import { registryCredentials } from "@/app/_lib/runner";

// The address, user name and password of the private registry in the learner's lab (lessons with `registry: true`).

export const GET = withLearnerLab(async (_req, { access }) => NextResponse.json(await registryCredentials(access)));
