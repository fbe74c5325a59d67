import type { ReactNode } from "react";

/** A lesson whose file has an error, shown to whoever opens it (authors fix it from the message). */
export function BrokenLesson({ message, children }: { message: string; children?: ReactNode }) {
  return (
    <div className="mx-auto max-w-3xl px-4 py-10">
      <h1 className="text-2xl font-bold">This lesson cannot be shown</h1>
      <p className="mt-2 text-slate-600">Its file has an error. Authors can fix it here:</p>
      <pre className="mt-4 whitespace-pre-wrap rounded bg-amber-50 p-4 font-mono text-sm text-amber-900" data-testid="lesson-error">
        {message}
      </pre>
      {children}
    </div>
  );
}
