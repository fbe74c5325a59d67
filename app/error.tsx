"use client";

import { ErrorNotice } from "./_components/ErrorNotice";

// A page that failed to render, inside the site's layout (its header still works).

export default function PageError({ error, retry }: { error: unknown; retry: () => void }) {
  return <ErrorNotice error={error} retry={retry} />;
}
