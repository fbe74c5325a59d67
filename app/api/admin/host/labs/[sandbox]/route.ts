import { sandboxOf, withAdmin } from "@/app/_lib/host";
import { removeAnyLab } from "@/app/_lib/runner";

// DELETE: an admin stops anyone's lab for good (removed with everything in it; its recordings are kept).

export const DELETE = withAdmin<{ sandbox: string }>((adminId, { sandbox }) => removeAnyLab(adminId, sandboxOf(sandbox)));
