"use client";

import type { ReactNode } from "react";
import { usePathname } from "next/navigation";
import { EMBED_PATH } from "../_lib/securityHeaders";

/** The site's own chrome (its navigation), left out of an embedded lesson, which lives in another site's page. */
export function OutsideEmbed({ children }: { children: ReactNode }) {
  return EMBED_PATH.test(usePathname() ?? "") ? null : children;
}
