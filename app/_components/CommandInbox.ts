/** A run block's request: the command, typed after Ctrl-C when `interrupt` (```sh run interrupt). */
export interface RunRequest {
  command: string;
  interrupt?: boolean;
}

/** Ctrl-C, as a terminal sends it. */
export const CTRL_C = "\x03";
/** How long after Ctrl-C the command is typed: the interrupted program exits and the shell shows its prompt. */
export const INTERRUPT_PAUSE_MS = 300;

/** What the terminal sends for a run request, in order (a pause of INTERRUPT_PAUSE_MS between the parts). */
export const typedInput = ({ command, interrupt }: RunRequest): string[] => [...(interrupt ? [CTRL_C] : []), command + "\r"];

/** Commands for one node's terminal, held until that terminal (created when its tab first opens) takes them. */
export class CommandInbox {
  private readonly waiting: RunRequest[] = [];
  private deliver?: (run: RunRequest) => void;

  send(run: RunRequest): void {
    if (this.deliver) this.deliver(run);
    else this.waiting.push(run);
  }

  /** The terminal takes the commands waiting and those to come; the returned function lets go. */
  connect(deliver: (run: RunRequest) => void): () => void {
    this.deliver = deliver;
    this.waiting.splice(0).forEach(deliver);
    return () => {
      if (this.deliver === deliver) this.deliver = undefined;
    };
  }
}
