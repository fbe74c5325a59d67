import { NextResponse } from "next/server";
import { RunnerError } from "./runner";

/** JSON error bodies of the site's API: { error: code, message: what to do }. */
export const apiError = (status: number, error: string, message: string) => NextResponse.json({ error, message }, { status });

export function fromRunnerError(e: unknown) {
  if (e instanceof RunnerError) return apiError(e.status, e.code, e.message);
  throw e;
}
