/** Commands for one node's terminal, held until that terminal (created when its tab first opens) takes them. */
export class CommandInbox {
  private readonly waiting: string[] = [];
  private deliver?: (command: string) => void;

  send(command: string): void {
    if (this.deliver) this.deliver(command);
    else this.waiting.push(command);
  }

  /** The terminal takes the commands waiting and those to come; the returned function lets go. */
  connect(deliver: (command: string) => void): () => void {
    this.deliver = deliver;
    this.waiting.splice(0).forEach(deliver);
    return () => {
      if (this.deliver === deliver) this.deliver = undefined;
    };
  }
}
