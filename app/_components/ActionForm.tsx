"use client";

import { createContext, useActionState, useContext, useEffect, useRef, type ReactNode } from "react";
import type { FormAction, FormState } from "@/app/_lib/forms";

// A form whose server action answers with a FormState: errors are shown beside the field they concern (which
// gets the focus), or above the button; notices are announced. Fields below refill from what was submitted.

const SubmittedState = createContext<FormState>(undefined);

export const errorId = (name: string) => `${name}-error`;

export function ActionForm(props: {
  action: FormAction;
  submit: string;
  /** Values the action needs that the user does not type (an id, an invite code). */
  hidden?: Record<string, string>;
  label?: string;
  className?: string;
  children?: ReactNode;
}) {
  const [state, formAction, pending] = useActionState(props.action, undefined);
  const form = useRef<HTMLFormElement>(null);

  useEffect(() => {
    const field = state?.field && form.current?.elements.namedItem(state.field);
    if (field instanceof HTMLElement) field.focus();
  }, [state]);

  return (
    <form ref={form} action={formAction} aria-label={props.label} noValidate className={props.className ?? "space-y-4"}>
      {Object.entries(props.hidden ?? {}).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <SubmittedState.Provider value={state}>{props.children}</SubmittedState.Provider>
      {state?.error && !state.field && (
        <p role="alert" className="text-sm font-medium text-red-700" data-testid="form-error">
          {state.error}
        </p>
      )}
      <p role="status" className="text-sm text-emerald-800 empty:hidden" data-testid="form-notice">
        {state?.notice}
      </p>
      <button
        type="submit"
        disabled={pending}
        className="rounded bg-sky-600 px-4 py-2 text-sm font-medium text-white hover:bg-sky-700 focus:outline-none focus:ring-2 focus:ring-sky-400 focus:ring-offset-1 disabled:opacity-60"
      >
        {props.submit}
      </button>
    </form>
  );
}

/** The error the last submission gave for this field, and the value it had. */
export function useSubmitted(name: string): { error?: string; value?: string } {
  const state = useContext(SubmittedState);
  return { error: state?.field === name ? state.error : undefined, value: state?.values?.[name] };
}

const INPUT =
  "mt-1 block w-full rounded border border-slate-300 px-3 py-2 text-sm focus:border-sky-500 focus:outline-none focus:ring-2 focus:ring-sky-200 aria-[invalid=true]:border-red-500";

export function FieldError({ name, error }: { name: string; error?: string }) {
  if (!error) return null;
  return (
    <p id={errorId(name)} role="alert" className="mt-1 text-sm font-medium text-red-700">
      {error}
    </p>
  );
}

export function TextField(props: {
  name: string;
  label: string;
  type?: "text" | "email" | "password" | "date";
  autoComplete?: string;
  hint?: string;
  defaultValue?: string;
}) {
  const { name, label, type = "text", hint } = props;
  const { error, value } = useSubmitted(name);
  const hintId = `${name}-hint`;
  const describedBy = [error && errorId(name), hint && hintId].filter(Boolean).join(" ") || undefined;
  return (
    <div>
      <label htmlFor={name} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      <input
        id={name}
        name={name}
        type={type}
        autoComplete={props.autoComplete}
        defaultValue={type === "password" ? undefined : (value ?? props.defaultValue)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        className={INPUT}
      />
      {hint && (
        <p id={hintId} className="mt-1 text-xs text-slate-500">
          {hint}
        </p>
      )}
      <FieldError name={name} error={error} />
    </div>
  );
}
