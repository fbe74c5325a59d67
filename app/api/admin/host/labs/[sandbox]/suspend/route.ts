import { sandboxOf, withAdmin } from "@/app/_lib/host";
import { suspendAnyLab } from "@/app/_lib/runner";

// POST: an admin suspends anyone's lab (stopped, everything in it kept: its learner resumes it by opening the lesson).

export const POST = withAdmin<{ sandbox: string }>((adminId, { sandbox }) => suspendAnyLab(adminId, sandboxOf(sandbox)));
