import { hostView, withAdmin } from "@/app/_lib/host";

// GET: the host's status for admins (HostView): labs running, booting, queued, suspended and pooled, the boot
// queue, memory, CPU and disk against the limits, and whether the engine answers. The host view polls it.

export const GET = withAdmin((adminId) => hostView(adminId));
