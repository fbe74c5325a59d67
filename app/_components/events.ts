// Browser events that connect the lesson text, the terminal and the checks without coupling them.

export const RUN = "dockyard:run"; // a run block was clicked: detail { command, interrupt?, node? } (node: the step names one)
export const COMMAND = "dockyard:command"; // a command went to the shell (Enter or a run block)
export const PASSED = "dockyard:step-passed"; // detail { step }

export const emit = <T>(name: string, detail?: T) => window.dispatchEvent(new CustomEvent(name, { detail }));

export function on<T>(name: string, handler: (detail: T) => void): () => void {
  const listener = (e: Event) => handler((e as CustomEvent<T>).detail);
  window.addEventListener(name, listener);
  return () => window.removeEventListener(name, listener);
}
