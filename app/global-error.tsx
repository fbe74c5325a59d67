"use client";

import { ErrorNotice } from "./_components/ErrorNotice";
import "./globals.css";

// The root layout itself failed (its header asks the database who is signed in): this replaces it, document and all.

export default function GlobalError({ error, retry }: { error: unknown; retry: () => void }) {
  return (
    <html lang="en">
      <body className="min-h-screen bg-slate-50 text-slate-900">
        <title>Dockyard</title>
        <header className="border-b border-slate-200 bg-white">
          <p className="mx-auto max-w-7xl px-4 py-3 text-lg font-bold text-sky-700">⚓ Dockyard</p>
        </header>
        <main id="main">
          <ErrorNotice error={error} retry={retry} />
        </main>
      </body>
    </html>
  );
}
